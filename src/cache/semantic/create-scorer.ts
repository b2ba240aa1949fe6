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
  const glove = new GloveSifEmbedder(gloveTables, {
    smoothing: model.sifSmoothing,
    principalComponent: Float32Array.from(model.principalComponent),
  });
  const trigramIdf = learnTrigramIdf(referenceCorpus, model.trigramDimension);
  return { glove, trigram: new TrigramTfidfEmbedder(trigramIdf), trigramIdf };
}

/**
 * Builds the combined scorer at the model's guarded default threshold, or at `threshold`
 * when given.
 */
export function createCombinedScorer(
  gloveTables: GloveSifTables,
  referenceCorpus: Iterable<string>,
  model: CombinedModel,
  options: { threshold?: number; guard?: boolean } = {},
): CombinedScorer {
  const threshold = options.threshold ?? model.thresholds.combinedGuarded;
  if (threshold === null) {
    throw new Error(
      `the model has no default threshold that reaches precision ${model.precisionTarget}. ` +
        'Pass options.threshold',
    );
  }

  // TODO: workerd cannot read files, so a Worker needs the reference corpus or a precomputed
  // IDF table bundled at build time. No build step produces that bundle yet.
  const { glove, trigram } = createEmbedders(gloveTables, referenceCorpus, model);
  return new CombinedScorer({
    trigram,
    glove,
    logistic: model.logistic,
    threshold,
    guard: options.guard ?? true,
  });
}
