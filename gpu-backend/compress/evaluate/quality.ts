/**
 * Perplexity, top-1 agreement and KL divergence of model variants on tokenized stories.
 *
 * Each story (BOS first, already truncated to the context) runs through the model in one
 * forward pass from an empty cache. Position t predicts token t+1, so a story of n tokens has
 * n−1 predicted tokens. Perplexity is exp(mean NLL per predicted token) over all stories.
 * Agreement and KL compare each variant's next-token distribution with the reference model's
 * at the same positions; the reference runs once per story for all variants.
 */

import { DecoderRunner } from './decoder-runner.js';
import { argmax, klDivergence, logSoftmax } from './token-metrics.js';

export interface QualityResult {
  stories: number;
  predictedTokens: number;
  /** Mean negative log-likelihood per predicted token, in nats. */
  meanNll: number;
  perplexity: number;
  /** Fraction of positions where the variant's most likely next token equals the reference model's. */
  top1Agreement: number;
  /** Mean KL(reference ‖ variant) per predicted token, in nats. */
  meanKl: number;
  /** Sum of NLL over each story's predicted tokens, in nats, in story order. */
  storyNllSums: number[];
  /** Predicted tokens of each story, in story order. */
  storyTokenCounts: number[];
}

export interface QualityProgress {
  storiesDone: number;
  storiesTotal: number;
}

export interface EvaluateQualityOptions {
  /** The model whose distributions the variants are compared with (normally the uncompressed one). */
  reference: DecoderRunner;
  variants: readonly DecoderRunner[];
  /** Token ids per story, BOS first, each at most the context length. */
  stories: readonly (readonly number[])[];
  onProgress?: (progress: QualityProgress) => void;
}

interface Accumulator {
  nll: number;
  tokens: number;
  agreements: number;
  kl: number;
  storyNllSums: number[];
  storyTokenCounts: number[];
}

/** Returns one result per variant, in the order given. */
export async function evaluateQuality(options: EvaluateQualityOptions): Promise<QualityResult[]> {
  const { reference, variants, stories } = options;
  const vocab = reference.shape.vocabSize;
  for (const variant of variants) {
    if (variant.shape.vocabSize !== vocab) throw new Error(`variant vocabulary ${variant.shape.vocabSize} differs from the reference's ${vocab}`);
  }

  const totals: Accumulator[] = variants.map(() => ({ nll: 0, tokens: 0, agreements: 0, kl: 0, storyNllSums: [], storyTokenCounts: [] }));
  const referenceRow = new Float64Array(vocab);
  const variantRow = new Float64Array(vocab);

  for (let s = 0; s < stories.length; s++) {
    const tokens = stories[s]!;
    const predicted = tokens.length - 1;
    if (predicted < 1) throw new RangeError(`story ${s} has ${tokens.length} tokens; at least 2 are needed`);

    const referenceLogits = (await reference.forward([tokens], reference.emptyPast(1), 0)).logits;
    const variantLogits: Float32Array[] = [];
    for (const variant of variants) {
      variantLogits.push(variant === reference ? referenceLogits : (await variant.forward([tokens], variant.emptyPast(1), 0)).logits);
    }

    const storyNll = new Array<number>(variants.length).fill(0);
    for (let t = 0; t < predicted; t++) {
      const start = t * vocab;
      logSoftmax(referenceLogits.subarray(start, start + vocab), referenceRow);
      const referenceTop = argmax(referenceRow);

      for (let v = 0; v < variants.length; v++) {
        logSoftmax(variantLogits[v]!.subarray(start, start + vocab), variantRow);
        storyNll[v] = storyNll[v]! - variantRow[tokens[t + 1]!]!;
        if (argmax(variantRow) === referenceTop) totals[v]!.agreements += 1;
        totals[v]!.kl += klDivergence(referenceRow, variantRow);
      }
    }

    for (let v = 0; v < variants.length; v++) {
      const total = totals[v]!;
      total.nll += storyNll[v]!;
      total.tokens += predicted;
      total.storyNllSums.push(storyNll[v]!);
      total.storyTokenCounts.push(predicted);
    }
    options.onProgress?.({ storiesDone: s + 1, storiesTotal: stories.length });
  }

  return totals.map((total) => ({
    stories: stories.length,
    predictedTokens: total.tokens,
    meanNll: total.nll / total.tokens,
    perplexity: Math.exp(total.nll / total.tokens),
    top1Agreement: total.agreements / total.tokens,
    meanKl: total.kl / total.tokens,
    storyNllSums: total.storyNllSums,
    storyTokenCounts: total.storyTokenCounts,
  }));
}
