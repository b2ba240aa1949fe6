import {
  findAntonymFlip,
  findNameMismatch,
  findNegationMismatch,
  findNumberMismatch,
} from './false-hit-guard.js';
import { tokenizeWords } from './tokenize.js';
import { cosineSimilarity } from './vector-math.js';

/** A text with its embeddings, prepared once so a cached entry is not embedded again per lookup. */
export interface EmbeddedText {
  text: string;
  trigram: Float32Array;
  glove: Float32Array;
}

/** Order of the values that {@link computePairFeatures} returns. */
export const PAIR_FEATURE_NAMES = [
  'trigramCosine',
  'gloveCosine',
  'wordJaccard',
  'lengthRatio',
  'negationMismatch',
  'antonymFlip',
  'numberMismatch',
  'nameMismatch',
] as const;

export type PairFeatureName = (typeof PAIR_FEATURE_NAMES)[number];

/**
 * Returns the lexical and vector evidence for a pair, in {@link PAIR_FEATURE_NAMES} order:
 * the two cosines, the Jaccard index of the word sets, the shorter word count divided by the
 * longer, and 1/0 flags for each false-hit guard check.
 */
export function computePairFeatures(first: EmbeddedText, second: EmbeddedText): number[] {
  const firstWords = tokenizeWords(first.text);
  const secondWords = tokenizeWords(second.text);

  return [
    cosineSimilarity(first.trigram, second.trigram),
    cosineSimilarity(first.glove, second.glove),
    jaccardIndex(new Set(firstWords), new Set(secondWords)),
    lengthRatio(firstWords.length, secondWords.length),
    flag(findNegationMismatch(first.text, second.text)),
    flag(findAntonymFlip(first.text, second.text)),
    flag(findNumberMismatch(first.text, second.text)),
    flag(findNameMismatch(first.text, second.text)),
  ];
}

/** Returns the named value of a row that {@link computePairFeatures} produced. */
export function featureValue(features: readonly number[], name: PairFeatureName): number {
  const value = features[PAIR_FEATURE_NAMES.indexOf(name)];
  if (value === undefined) throw new RangeError(`feature row has no value for ${name}`);
  return value;
}

function jaccardIndex(first: ReadonlySet<string>, second: ReadonlySet<string>): number {
  let intersection = 0;
  for (const word of first) if (second.has(word)) intersection++;

  const union = first.size + second.size - intersection;
  return union === 0 ? 1 : intersection / union;
}

function lengthRatio(first: number, second: number): number {
  const longer = Math.max(first, second);
  return longer === 0 ? 1 : Math.min(first, second) / longer;
}

function flag(mismatch: object | null): number {
  return mismatch === null ? 0 : 1;
}
