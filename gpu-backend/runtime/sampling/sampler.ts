/**
 * Token selection from one row of logits: greedy argmax, temperature scaling and nucleus (top-p)
 * sampling, with scratch buffers allocated once per vocabulary size.
 */

import type { Xoshiro128StarStar } from './prng.js';

export interface SamplingParams {
  /** 0 selects greedy argmax; larger values flatten the distribution (OpenAI allows 0 to 2). */
  temperature: number;
  /** Nucleus mass in [0, 1]; 1 disables nucleus truncation. */
  topP: number;
}

/** Returns the index of the largest logit; ties go to the lowest token id, as llama2.c's `argmax` does. */
export function argmax(logits: Float32Array): number {
  let bestIndex = 0;
  let bestValue = logits[0]!;
  for (let i = 1; i < logits.length; i++) {
    const value = logits[i]!;
    if (value > bestValue) {
      bestValue = value;
      bestIndex = i;
    }
  }
  return bestIndex;
}

export class TokenSampler {
  /** Unnormalized probabilities exp((logit - max) / temperature). */
  private readonly weights: Float64Array;
  /** Candidate token ids for nucleus sampling, sorted by weight. */
  private readonly candidates: Int32Array;

  constructor(readonly vocabSize: number) {
    this.weights = new Float64Array(vocabSize);
    this.candidates = new Int32Array(vocabSize);
  }

  /** Selects the next token id from `logits` (length `vocabSize`); `random` is used only when temperature > 0. */
  sample(logits: Float32Array, params: SamplingParams, random: Xoshiro128StarStar): number {
    if (logits.length !== this.vocabSize) {
      throw new RangeError(`logits has ${logits.length} entries but the sampler was built for ${this.vocabSize}`);
    }
    if (params.temperature === 0) return argmax(logits);

    const total = this.computeWeights(logits, params.temperature);
    if (params.topP >= 1) return this.sampleAll(total, random.nextFloat() * total);
    return this.sampleNucleus(total, params.topP, random.nextFloat());
  }

  /** Fills `weights` with exp((logit - max) / temperature) and returns their sum. */
  private computeWeights(logits: Float32Array, temperature: number): number {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) {
      if (logits[i]! > max) max = logits[i]!;
    }

    let total = 0;
    for (let i = 0; i < logits.length; i++) {
      const weight = Math.exp((logits[i]! - max) / temperature);
      this.weights[i] = weight;
      total += weight;
    }
    return total;
  }

  /** Walks the cumulative weights until they pass `target` (a point in [0, total)). */
  private sampleAll(total: number, target: number): number {
    let cumulative = 0;
    for (let i = 0; i < this.vocabSize; i++) {
      cumulative += this.weights[i]!;
      if (target < cumulative) return i;
    }

    // Rounding can leave `cumulative` a hair below `total`; the last token with weight then wins.
    return this.lastNonZero(total);
  }

  /**
   * Samples from the smallest set of most probable tokens whose mass reaches `topP` of the total.
   * `coin` is uniform in [0, 1).
   */
  private sampleNucleus(total: number, topP: number, coin: number): number {
    // A token whose probability is below (1 - topP) / (V - 1) can never be needed to reach topP,
    // because all such tokens together hold less than 1 - topP. Filtering them first keeps the
    // sort small for large vocabularies.
    const cutoff = this.vocabSize > 1 ? ((1 - topP) / (this.vocabSize - 1)) * total : 0;
    let count = 0;
    for (let i = 0; i < this.vocabSize; i++) {
      if (this.weights[i]! >= cutoff) this.candidates[count++] = i;
    }

    const weights = this.weights;
    const sorted = this.candidates.subarray(0, count);
    // Ties keep the lower token id first so the nucleus is fully determined by the logits.
    sorted.sort((a, b) => weights[b]! - weights[a]! || a - b);

    const nucleusTarget = topP * total;
    let nucleusMass = 0;
    let nucleusSize = 0;
    while (nucleusSize < count) {
      nucleusMass += weights[sorted[nucleusSize]!]!;
      nucleusSize++;
      if (nucleusMass >= nucleusTarget) break;
    }

    const target = coin * nucleusMass;
    let cumulative = 0;
    for (let rank = 0; rank < nucleusSize; rank++) {
      cumulative += weights[sorted[rank]!]!;
      if (target < cumulative) return sorted[rank]!;
    }
    return sorted[nucleusSize - 1]!;
  }

  private lastNonZero(total: number): number {
    for (let i = this.vocabSize - 1; i >= 0; i--) {
      if (this.weights[i]! > 0) return i;
    }
    throw new RangeError(`all sampling weights are zero (sum ${total}); the logits contain no finite maximum`);
  }
}
