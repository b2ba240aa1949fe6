import type { LogisticModel } from './logistic-regression.js';

/**
 * Everything the combined scorer learns from the STS Benchmark train pairs, except the
 * trigram IDF table, which is rebuilt from the same sentences at load time because it is too
 * large to ship as source (one float per hash bucket).
 */
export interface CombinedModel {
  /** SIF smoothing constant `a` used for the GloVe embeddings the model was trained on. */
  sifSmoothing: number;
  /** First principal component of the train sentences' SIF embeddings, removed from each one. */
  principalComponent: number[];
  /** Number of hash buckets of the trigram TF-IDF embedder. */
  trigramDimension: number;
  logistic: LogisticModel;
  /** Precision that the default thresholds were tuned to reach on the train pairs. */
  precisionTarget: number;
  /**
   * Default thresholds, each the one with the highest train recall among those whose train
   * precision reaches `precisionTarget`. Null when no threshold reaches it.
   */
  thresholds: {
    gloveSif: number | null;
    trigramTfidf: number | null;
    combined: number | null;
    combinedGuarded: number | null;
  };
  /** Labelled train pairs the model was fitted on: scores >= 4 are positive, <= 2 negative. */
  trainingPairs: { positives: number; negatives: number };
}

/** Precision on train that the default thresholds must reach. */
export const DEFAULT_PRECISION_TARGET = 0.97;
