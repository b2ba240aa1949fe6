/**
 * Calibration data: token sequences, each BOS first and truncated to the model's context,
 * encoded from TinyStories-format text (stories separated by a line `<|endoftext|>`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

export const STORY_SEPARATOR = '<|endoftext|>';

export interface CalibrationSet {
  /** Origin of the sequences, e.g. `validation-first-1000.txt stories 1-200`. */
  source: string;
  /** Token ids per sequence, BOS first, at most `maxLength` each. */
  sequences: readonly (readonly number[])[];
  maxLength: number;
}

/** Splits TinyStories-format text into stories (trimmed, empty ones dropped). */
export function splitStories(text: string): string[] {
  return text
    .split(/\r?\n/)
    .reduce<string[][]>(
      (stories, line) => {
        if (line.trim() === STORY_SEPARATOR) stories.push([]);
        else stories.at(-1)!.push(line);
        return stories;
      },
      [[]],
    )
    .map((lines) => lines.join('\n').trim())
    .filter((story) => story.length > 0);
}

export interface LoadCalibrationOptions {
  /** TinyStories-format text file. */
  textPath: string;
  /** Folder holding `tokenizer.json` and `tokenizer_config.json` (a model folder). */
  tokenizerDir: string;
  /** 1-based, inclusive story range; default 1..200 (the calibration split). */
  firstStory?: number;
  lastStory?: number;
  /** The model's context length in tokens; longer stories are truncated. */
  maxLength: number;
  bosTokenId: number;
}

/** Encodes stories `firstStory..lastStory` of `textPath` with the model's tokenizer. */
export function loadCalibrationSet(options: LoadCalibrationOptions): CalibrationSet {
  const first = options.firstStory ?? 1;
  const last = options.lastStory ?? 200;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first) {
    throw new RangeError(`invalid story range ${first}..${last}: expected 1 <= firstStory <= lastStory`);
  }
  if (!Number.isInteger(options.maxLength) || options.maxLength < 2) throw new RangeError(`maxLength must be an integer >= 2, got ${options.maxLength}`);

  const stories = splitStories(readFileSync(options.textPath, 'utf8'));
  if (stories.length < last) throw new RangeError(`${options.textPath} has ${stories.length} stories, fewer than lastStory ${last}`);

  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(join(options.tokenizerDir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>,
    JSON.parse(readFileSync(join(options.tokenizerDir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>,
  );
  const sequences = stories.slice(first - 1, last).map((story) => {
    const ids = tokenizer.encode(story).ids;
    // The Llama post-processor adds BOS; a tokenizer without one gets it prepended here.
    const withBos = ids[0] === options.bosTokenId ? ids : [options.bosTokenId, ...ids];
    return withBos.slice(0, options.maxLength);
  });
  return { source: `${options.textPath} stories ${first}-${last}`, sequences, maxLength: options.maxLength };
}

/** Keeps the first `count` sequences, each cut to `maxLength` tokens, to bound calibration cost. */
export function subsetCalibration(set: CalibrationSet, count: number, maxLength = set.maxLength): CalibrationSet {
  return {
    source: `${set.source}, first ${count} sequences, at most ${maxLength} tokens`,
    sequences: set.sequences.slice(0, count).map((s) => s.slice(0, maxLength)),
    maxLength: Math.min(maxLength, set.maxLength),
  };
}
