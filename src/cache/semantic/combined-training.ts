import {
  DEFAULT_PRECISION_TARGET,
  type CombinedModel,
} from './combined-model.js';
import { findMismatch } from './false-hit-guard.js';
import { createEmbedders, type SemanticEmbedders } from './create-scorer.js';
import {
  DEFAULT_SIF_SMOOTHING,
  GloveSifEmbedder,
  type GloveSifTables,
} from './glove-sif-embedder.js';
import {
  predictProbability,
  trainLogisticRegression,
  type LogisticTrainingOptions,
} from './logistic-regression.js';
import {
  computePairFeatures,
  featureValue,
  PAIR_FEATURE_NAMES,
  type EmbeddedText,
} from './pair-features.js';
import { maxRecallAtPrecision, type LabelledScore } from './precision-recall.js';
import { firstPrincipalComponent } from './principal-component.js';
import { referenceSentences, sameRequestLabel, type StsbPair } from './stsb.js';
import { DEFAULT_TRIGRAM_DIMENSION } from './trigram-tfidf-embedder.js';

/** Gradient-descent settings of the shipped model. Changing them requires regenerating it. */
export const COMBINED_LOGISTIC_OPTIONS: Required<LogisticTrainingOptions> = {
  steps: 500,
  learningRate: 0.5,
  l2: 1e-3,
};

/**
 * Fits the combined model on labelled pairs: the principal component and trigram IDF come
 * from the pairs' sentences, the logistic regression from the pairs scored >= 4 or <= 2, and
 * each default threshold is the one with the highest recall at the target precision.
 * Deterministic: the same inputs give the same model.
 */
export function trainCombinedModel(
  gloveTables: GloveSifTables,
  trainPairs: readonly StsbPair[],
  precisionTarget = DEFAULT_PRECISION_TARGET,
): { model: CombinedModel; embedders: SemanticEmbedders } {
  const sentences = referenceSentences(trainPairs);

  const rawGlove = new GloveSifEmbedder(gloveTables, {
    smoothing: DEFAULT_SIF_SMOOTHING,
    principalComponent: null,
  });
  const principalComponent = firstPrincipalComponent(
    sentences.map((text) => rawGlove.embedOne(text)),
  );
  const embedders = createEmbedders(gloveTables, sentences, {
    sifSmoothing: DEFAULT_SIF_SMOOTHING,
    principalComponent: Array.from(principalComponent),
    trigramDimension: DEFAULT_TRIGRAM_DIMENSION,
  });

  const labelled = computeLabelledFeatures(embedders, trainPairs);
  const featureRows = labelled.map(({ features }) => features);
  const labels = labelled.map(({ label }) => label);
  const logistic = trainLogisticRegression(
    [...PAIR_FEATURE_NAMES],
    featureRows,
    labels,
    COMBINED_LOGISTIC_OPTIONS,
  );

  const scoresOf = (pick: (index: number) => number): LabelledScore[] =>
    labels.map((label, index) => ({ score: pick(index), label }));
  const combinedScores = featureRows.map((row) => predictProbability(logistic, row));
  const thresholdFor = (scores: LabelledScore[]): number | null =>
    maxRecallAtPrecision(scores, precisionTarget)?.threshold ?? null;

  const model: CombinedModel = {
    sifSmoothing: DEFAULT_SIF_SMOOTHING,
    principalComponent: Array.from(principalComponent),
    trigramDimension: DEFAULT_TRIGRAM_DIMENSION,
    logistic,
    precisionTarget,
    thresholds: {
      trigramTfidf: thresholdFor(
        scoresOf((index) => featureValue(featureRows[index]!, 'trigramCosine')),
      ),
      gloveSif: thresholdFor(scoresOf((index) => featureValue(featureRows[index]!, 'gloveCosine'))),
      combined: thresholdFor(scoresOf((index) => combinedScores[index]!)),
      // A pair that the guard flags never matches, whatever the threshold.
      combinedGuarded: thresholdFor(
        scoresOf((index) => (labelled[index]!.isFlagged ? -Infinity : combinedScores[index]!)),
      ),
    },
    trainingPairs: {
      positives: labels.filter((label) => label === 1).length,
      negatives: labels.filter((label) => label === 0).length,
    },
  };
  return { model, embedders };
}

export interface LabelledPairFeatures {
  pair: StsbPair;
  label: 0 | 1;
  /** Values in {@link PAIR_FEATURE_NAMES} order. */
  features: number[];
  /** Whether the false-hit guard rejects the pair. */
  isFlagged: boolean;
}

/**
 * Computes the pair features of the pairs scored >= 4 or <= 2 and drops the rest. Vectors are
 * discarded after each pair, because a trigram vector takes 4 bytes per hash bucket.
 */
export function computeLabelledFeatures(
  embedders: SemanticEmbedders,
  pairs: readonly StsbPair[],
): LabelledPairFeatures[] {
  const embed = (text: string): EmbeddedText => ({
    text,
    trigram: embedders.trigram.embedOne(text),
    glove: embedders.glove.embedOne(text),
  });

  const result: LabelledPairFeatures[] = [];
  for (const pair of pairs) {
    const label = sameRequestLabel(pair.score);
    if (label === undefined) continue;

    result.push({
      pair,
      label,
      features: computePairFeatures(embed(pair.first), embed(pair.second)),
      isFlagged: findMismatch(pair.first, pair.second) !== null,
    });
  }
  return result;
}
