import type { CombinedModel } from './combined-model.js';
import { CombinedScorer } from './combined-scorer.js';
import { GloveSifEmbedder, type GloveSifTables } from './glove-sif-embedder.js';
import {
  learnTrigramIdf,
  TrigramTfidfEmbedder,
  type TrigramIdfTable,
} from './trigram-tfidf-embedder.js';

export interface SemanticEmbedders {
  glove: GloveSifEmbedder;
  trigram: TrigramTfidfEmbedder;
  trigramIdf: TrigramIdfTable;
}

/**
 * Builds both embedders from a model's data. The trigram IDF is learned from
 * `referenceCorpus`, which must be the corpus the model was trained with (the STS Benchmark
 * train sentences for the shipped model), or the logistic weights no longer fit the cosines.
 */
export function createEmbedders(
  gloveTables: GloveSifTables,
  referenceCorpus: Iterable<string>,
  model: Pick<CombinedModel, 'sifSmoothing' | 'principalComponent' | 'trigramDimension'>,
): SemanticEmbedders {
  const trigramIdf = learnTrigramIdf(referenceCorpus, model.trigramDimension);
  return createEmbeddersFromIdf(gloveTables, trigramIdf, model);
}

/**
 * Builds both embedders from a trigram IDF learned beforehand, as the Worker does with the
 * table that scripts/build-edge-data.ts bundles.
 */
export function createEmbeddersFromIdf(
  gloveTables: GloveSifTables,
  trigramIdf: TrigramIdfTable,
  model: Pick<CombinedModel, 'sifSmoothing' | 'principalComponent' | 'trigramDimension'>,
): SemanticEmbedders {
  if (trigramIdf.dimension !== model.trigramDimension) {
    throw new RangeError(`trigram IDF has ${trigramIdf.dimension} buckets, but the model expects ${model.trigramDimension}`);
  }
  const glove = new GloveSifEmbedder(gloveTables, {
    smoothing: model.sifSmoothing,
    principalComponent: Float32Array.from(model.principalComponent),
  });
  return { glove, trigram: new TrigramTfidfEmbedder(trigramIdf), trigramIdf };
}

export interface DefaultScorerOptions {
  /** Decision threshold on the combined probability; the model's guarded default when omitted. */
  threshold?: number;
  /** Apply the false-hit guard. Default true. */
  guard?: boolean;
}

/**
 * Builds the combined scorer at the model's guarded default threshold, or at `threshold`
 * when given, learning the trigram IDF from `referenceCorpus`.
 */
export function createCombinedScorer(
  gloveTables: GloveSifTables,
  referenceCorpus: Iterable<string>,
  model: CombinedModel,
  options: DefaultScorerOptions = {},
): CombinedScorer {
  return createCombinedScorerFromEmbedders(createEmbedders(gloveTables, referenceCorpus, model), model, options);
}

/** Builds the combined scorer from embedders made by {@link createEmbedders} or {@link createEmbeddersFromIdf}. */
export function createCombinedScorerFromEmbedders(
  embedders: SemanticEmbedders,
  model: CombinedModel,
  options: DefaultScorerOptions = {},
): CombinedScorer {
  const threshold = defaultThreshold(model, options.threshold);
  return new CombinedScorer({
    trigram: embedders.trigram,
    glove: embedders.glove,
    logistic: model.logistic,
    threshold,
    guard: options.guard ?? true,
  });
}

/** Returns `threshold`, else the model's guarded default; throws when the model has none. */
export function defaultThreshold(model: CombinedModel, threshold?: number): number {
  const chosen = threshold ?? model.thresholds.combinedGuarded;
  if (chosen === null) {
    throw new Error(
      `the model has no default threshold that reaches precision ${model.precisionTarget}. ` +
        'Pass options.threshold',
    );
  }
  return chosen;
}
