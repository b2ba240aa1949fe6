import { tokenizeWords } from './tokenize.js';

/**
 * Rejects cache matches between texts that look alike but ask for different things: one is
 * negated and the other is not, a word is swapped for its antonym, the numbers differ, or
 * different proper names appear. Embedding similarity is high for such pairs ("turn the
 * heater on" and "turn the heater off"), so a cache needs this check on top of any threshold.
 */

export type MismatchKind = 'negation' | 'antonym' | 'number' | 'name';

export interface Mismatch {
  kind: MismatchKind;
  /** Human-readable evidence, for logs: the words or numbers that differ. */
  detail: string;
}

/** Returns the first mismatch found between the two texts, or null when none is found. */
export function findMismatch(first: string, second: string): Mismatch | null {
  return (
    findNegationMismatch(first, second) ??
    findAntonymFlip(first, second) ??
    findNumberMismatch(first, second) ??
    findNameMismatch(first, second)
  );
}

const NEGATION_WORDS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot',
  // Contractions written without the apostrophe, common in chat text.
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'cant', 'couldnt',
  'wouldnt', 'shouldnt', 'wont', 'hasnt', 'havent', 'hadnt', 'aint', 'mustnt', 'neednt',
]);

export function countNegations(text: string): number {
  let count = 0;
  for (const token of tokenizeWords(text)) {
    if (NEGATION_WORDS.has(token) || token.endsWith("n't")) count++;
  }
  return count;
}

/**
 * Flags a pair where one text contains a negation cue and the other contains none ("is"
 * against "isn't"). Texts that are both negated pass even with different counts, because a
 * paraphrase often repeats a negation ("no, it's not" for "it is not").
 */
export function findNegationMismatch(first: string, second: string): Mismatch | null {
  const firstCount = countNegations(first);
  const secondCount = countNegations(second);
  if ((firstCount === 0) === (secondCount === 0)) return null;
  return { kind: 'negation', detail: `${firstCount} against ${secondCount} negation words` };
}

/**
 * Pairs of opposite word groups, each group a space-separated list. A group lists the
 * inflected forms to match, because the guard has no lemmatizer.
 */
const ANTONYM_PAIRS: ReadonlyArray<readonly [readonly string[], readonly string[]]> = (
  [
    ['on', 'off'],
    ['up', 'down'],
    ['in into inside', 'out outside'],
    ['open opens opened opening', 'close closes closed closing shut shuts'],
    [
      'start starts started starting begin begins began',
      'stop stops stopped stopping end ends ended ending finish finishes finished',
    ],
    [
      'increase increases increased increasing',
      'decrease decreases decreased decreasing reduce reduces reduced',
    ],
    ['rise rises rising rose risen', 'fall falls falling fell fallen drop drops dropped'],
    ['gain gains gained win wins won winning', 'lose loses lost losing loss losses'],
    ['buy buys bought buying', 'sell sells sold selling'],
    ['before', 'after'],
    ['above over', 'below under'],
    ['more', 'less fewer'],
    ['most', 'least'],
    ['max maximum', 'min minimum'],
    ['high higher highest', 'low lower lowest'],
    ['hot warm', 'cold cool'],
    ['big bigger large larger', 'small smaller little'],
    ['long longer', 'short shorter'],
    ['fast faster quick', 'slow slower'],
    ['first', 'last'],
    ['early earlier', 'late later'],
    ['left', 'right'],
    ['north northern', 'south southern'],
    ['east eastern', 'west western'],
    ['add adds added adding', 'remove removes removed removing delete deletes deleted'],
    ['enable enables enabled', 'disable disables disabled'],
    ['accept accepts accepted', 'reject rejects rejected'],
    ['allow allows allowed', 'deny denies denied forbid forbids'],
    ['include includes included', 'exclude excludes excluded'],
    ['true', 'false'],
    ['good better best', 'bad worse worst'],
    ['easy easier', 'hard harder difficult'],
    ['cheap cheaper', 'expensive'],
    ['happy', 'sad'],
    ['love loves loved', 'hate hates hated'],
    ['full', 'empty'],
    ['wet', 'dry'],
    ['light bright', 'dark'],
    ['black', 'white'],
    ['day', 'night'],
    ['new newer newest', 'old older oldest'],
    ['young younger', 'old older'],
    ['man men boy boys', 'woman women girl girls'],
    ['male', 'female'],
    ['positive', 'negative'],
    ['success succeed succeeded', 'failure fail failed'],
    ['valid', 'invalid'],
    ['legal', 'illegal'],
    ['import imports imported', 'export exports exported'],
    ['encrypt encrypted encryption', 'decrypt decrypted decryption'],
    ['ascending', 'descending'],
    ['push pushes pushed', 'pull pulls pulled'],
    ['input inputs', 'output outputs'],
  ] satisfies Array<[string, string]>
).map(([groupA, groupB]) => [groupA.split(' '), groupB.split(' ')] as const);

/**
 * Flags a word that one text uses where the other uses its opposite. The first text contains
 * a word from one group of a pair and the second a word from the other group. A text that
 * contains words from both groups of a pair never counts as a flip for that pair.
 */
export function findAntonymFlip(first: string, second: string): Mismatch | null {
  const firstWords = new Set(tokenizeWords(first));
  const secondWords = new Set(tokenizeWords(second));

  for (const [groupA, groupB] of ANTONYM_PAIRS) {
    const firstA = findMember(firstWords, groupA);
    const firstB = findMember(firstWords, groupB);
    const secondA = findMember(secondWords, groupA);
    const secondB = findMember(secondWords, groupB);
    if ((firstA && firstB) || (secondA && secondB)) continue;

    if (firstA && secondB && !secondA && !firstB) return antonymMismatch(firstA, secondB);
    if (firstB && secondA && !secondB && !firstA) return antonymMismatch(firstB, secondA);
  }
  return null;
}

function findMember(words: ReadonlySet<string>, group: readonly string[]): string | undefined {
  return group.find((word) => words.has(word));
}

function antonymMismatch(firstWord: string, secondWord: string): Mismatch {
  return { kind: 'antonym', detail: `"${firstWord}" against "${secondWord}"` };
}

const NUMBER_WORDS: ReadonlyMap<string, string> = new Map([
  // "one" is left out, because it is far more often a pronoun ("the one I like") than a count.
  ['zero', '0'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'], ['six', '6'],
  ['seven', '7'], ['eight', '8'], ['nine', '9'], ['ten', '10'], ['eleven', '11'],
  ['twelve', '12'], ['twenty', '20'], ['thirty', '30'], ['forty', '40'], ['fifty', '50'],
  // Magnitude words ("hundred", "million") are left out, because they usually scale a numeral
  // that is compared on its own, and abbreviations such as "$250M" would not match them.
]);

/**
 * Returns the set of numbers in `text`, normalized so that spelling differences compare equal:
 * "1,000" and "1000", "2.50" and "2.5", "three" and "3".
 */
export function extractNumbers(text: string): Set<string> {
  const numbers = new Set<string>();

  for (const match of text.matchAll(/\d+(?:[.,]\d+)*/g)) {
    numbers.add(normalizeNumeral(match[0]));
  }
  for (const token of tokenizeWords(text)) {
    const value = NUMBER_WORDS.get(token);
    if (value !== undefined) numbers.add(value);
  }
  return numbers;
}

function normalizeNumeral(numeral: string): string {
  // A comma followed by exactly three digits groups thousands. Any other comma is a decimal
  // separator, as in "2,5".
  const withoutGrouping = numeral.replace(/,(?=\d{3}(?!\d))/g, '').replace(',', '.');
  if (!withoutGrouping.includes('.')) return withoutGrouping.replace(/^0+(?=\d)/, '');

  const value = Number(withoutGrouping);
  return Number.isFinite(value) ? String(value) : withoutGrouping;
}

/** Flags texts whose sets of numbers differ, including a number present in only one text. */
export function findNumberMismatch(first: string, second: string): Mismatch | null {
  const firstNumbers = extractNumbers(first);
  const secondNumbers = extractNumbers(second);

  const onlyFirst = [...firstNumbers].filter((value) => !secondNumbers.has(value));
  const onlySecond = [...secondNumbers].filter((value) => !firstNumbers.has(value));
  if (onlyFirst.length === 0 && onlySecond.length === 0) return null;

  return {
    kind: 'number',
    detail: `[${onlyFirst.join(', ')}] against [${onlySecond.join(', ')}]`,
  };
}

/**
 * Returns the lowercase forms of the words in `text` that look like proper names: capitalized
 * words that do not start a sentence. Title Case text, where most words are capitalized, gives
 * no evidence of names, so it returns an empty set.
 */
export function extractNames(text: string): Set<string> {
  const names = new Set<string>();
  let capitalized = 0;
  let total = 0;

  for (const match of text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu)) {
    const word = match[0];
    total++;
    if (!/^\p{Lu}/u.test(word)) continue;

    capitalized++;
    if (startsSentence(text, match.index)) continue;

    const name = stripPossessive(word.toLowerCase());
    // Single letters come from initials and abbreviations such as "U.S.", and titles such as
    // "Mr" only precede a name.
    if (name.length > 1 && !TITLES.has(name)) names.add(name);
  }

  if (total > 2 && capitalized / total > 0.5) return new Set();
  return names;
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sir']);

function stripPossessive(word: string): string {
  return word.replace(/['’]s$/, '');
}

/**
 * Returns whether the word at `index` is the first of the text or follows . ! ? : ( or a
 * double quote. A closing quote also counts, so a name right after one is missed.
 */
function startsSentence(text: string, index: number): boolean {
  const before = text.slice(0, index).trimEnd();
  return before === '' || /[.!?:"“(]$/.test(before);
}

/** Shortest prefix that counts as a form of a name, as in "Syria" for "Syrian". */
const MIN_NAME_PREFIX = 4;

/**
 * Returns whether `words` contains `name` or a word that extends it or that it extends by a
 * suffix, which covers demonyms, plurals and abbreviations.
 */
function containsNameForm(words: ReadonlySet<string>, name: string): boolean {
  if (words.has(name)) return true;

  for (const word of words) {
    const [shorter, longer] = word.length < name.length ? [word, name] : [name, word];
    if (shorter.length >= MIN_NAME_PREFIX && longer.startsWith(shorter)) return true;
  }
  return false;
}

/**
 * Flags texts that name different entities: each text has a name that the other text does
 * not contain in any casing. A name present in only one text is allowed, because a paraphrase
 * often drops or adds one ("Obama said" and "the president said").
 */
export function findNameMismatch(first: string, second: string): Mismatch | null {
  const firstWords = new Set(tokenizeWords(first).map(stripPossessive));
  const secondWords = new Set(tokenizeWords(second).map(stripPossessive));

  const onlyFirst = [...extractNames(first)].filter(
    (name) => !containsNameForm(secondWords, name),
  );
  const onlySecond = [...extractNames(second)].filter(
    (name) => !containsNameForm(firstWords, name),
  );
  if (onlyFirst.length === 0 || onlySecond.length === 0) return null;

  return { kind: 'name', detail: `[${onlyFirst.join(', ')}] against [${onlySecond.join(', ')}]` };
}
