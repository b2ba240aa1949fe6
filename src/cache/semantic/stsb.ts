/**
 * Parsing of STS Benchmark files: tab-separated lines whose 5th column is a similarity score
 * from 0 to 5 and whose 6th and 7th columns are the two sentences. Some lines carry extra
 * columns (source attributions), which are ignored. Double quotes are part of the sentence
 * text (quoted speech), not CSV quoting, so a line is split on tabs only.
 */

export interface StsbPair {
  /** 1-based line number in the source file, for error reports. */
  line: number;
  score: number;
  first: string;
  second: string;
}

export interface StsbParseResult {
  pairs: StsbPair[];
  /** Non-empty lines skipped for fewer than 7 columns, a score outside 0–5 or an empty sentence. */
  skippedLines: number;
}

/** Score at or above which a pair counts as the same request. */
export const SAME_REQUEST_MIN_SCORE = 4;
/** Score at or below which a pair counts as a different request. */
export const DIFFERENT_REQUEST_MAX_SCORE = 2;

export function parseStsb(text: string): StsbParseResult {
  const pairs: StsbPair[] = [];
  let skippedLines = 0;

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;

    const pair = parseLine(line, index + 1);
    if (pair === undefined) skippedLines++;
    else pairs.push(pair);
  }
  return { pairs, skippedLines };
}

function parseLine(line: string, lineNumber: number): StsbPair | undefined {
  const columns = line.split('\t');
  if (columns.length < 7) return undefined;

  const scoreText = columns[4]!.trim();
  const score = Number(scoreText);
  if (scoreText === '' || !Number.isFinite(score) || score < 0 || score > 5) return undefined;

  const first = columns[5]!.trim();
  const second = columns[6]!.trim();
  if (first === '' || second === '') return undefined;

  return { line: lineNumber, score, first, second };
}

/**
 * Returns 1 for a same-request pair, 0 for a different-request pair and undefined for a pair
 * in between, which the benchmark ignores.
 */
export function sameRequestLabel(score: number): 0 | 1 | undefined {
  if (score >= SAME_REQUEST_MIN_SCORE) return 1;
  if (score <= DIFFERENT_REQUEST_MAX_SCORE) return 0;
  return undefined;
}

/**
 * Returns both sentences of every pair: the reference corpus for IDF and the principal component.
 */
export function referenceSentences(pairs: readonly StsbPair[]): string[] {
  return pairs.flatMap((pair) => [pair.first, pair.second]);
}
