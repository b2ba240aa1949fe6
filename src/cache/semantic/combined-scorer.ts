import type { Embedder } from './embedder.js';
import { findMismatch, type Mismatch } from './false-hit-guard.js';
import { predictProbability, type LogisticModel } from './logistic-regression.js';
import { computePairFeatures, PAIR_FEATURE_NAMES, type EmbeddedText } from './pair-features.js';

export interface MatchDecision {
  /** Model probability in [0, 1] that the texts are the same request, before the guard. */
  score: number;
  /** Difference found by the false-hit guard, or null when the guard passed or was off. */
  mismatch: Mismatch | null;
  isMatch: boolean;
}

export interface CombinedScorerOptions {
  /** Character-trigram embedder the model was trained with. */
  trigram: Embedder;
  /** GloVe SIF embedder the model was trained with. */
  glove: Embedder;
  logistic: LogisticModel;
  /** Minimum score for a match. */
  threshold: number;
  /** Whether {@link CombinedScorer.decide} applies the false-hit guard. Defaults to true. */
  guard?: boolean;
}

/**
 * Decides whether two texts are the same request from lexical and vector evidence combined
 * by a logistic regression, then vetoes matches that the false-hit guard flags.
 */
export class CombinedScorer {
  readonly threshold: number;
  readonly guard: boolean;

  private readonly trigram: Embedder;
  private readonly glove: Embedder;
  private readonly logistic: LogisticModel;

  constructor(options: CombinedScorerOptions) {
    const expected = PAIR_FEATURE_NAMES.join(',');
    const actual = options.logistic.featureNames.join(',');
    if (actual !== expected) {
      throw new Error(
        `logistic model features are [${actual}], expected [${expected}]. ` +
          'Regenerate the model with bench/cache/train-combined.ts',
      );
    }
    if (!(options.threshold >= 0 && options.threshold <= 1)) {
      throw new RangeError(`threshold ${options.threshold} is outside [0, 1]`);
    }

    this.trigram = options.trigram;
    this.glove = options.glove;
    this.logistic = options.logistic;
    this.threshold = options.threshold;
    this.guard = options.guard ?? true;
  }

  /** Embeds texts with both embedders, so a cache can store the result and score it later. */
  async embedTexts(texts: string[]): Promise<EmbeddedText[]> {
    const [trigramVectors, gloveVectors] = await Promise.all([
      this.trigram.embed(texts),
      this.glove.embed(texts),
    ]);

    return texts.map((text, index) => ({
      text,
      trigram: trigramVectors[index]!,
      glove: gloveVectors[index]!,
    }));
  }

  /** Returns the model probability that the two texts are the same request, without the guard. */
  score(first: EmbeddedText, second: EmbeddedText): number {
    return predictProbability(this.logistic, computePairFeatures(first, second));
  }

  decide(first: EmbeddedText, second: EmbeddedText): MatchDecision {
    const score = this.score(first, second);
    if (score < this.threshold) return { score, mismatch: null, isMatch: false };

    const mismatch = this.guard ? findMismatch(first.text, second.text) : null;
    return { score, mismatch, isMatch: mismatch === null };
  }

  /** Embeds and decides one pair. For repeated lookups, embed once with {@link embedTexts}. */
  async decideTexts(first: string, second: string): Promise<MatchDecision> {
    const [firstEmbedded, secondEmbedded] = await this.embedTexts([first, second]);
    return this.decide(firstEmbedded!, secondEmbedded!);
  }
}
