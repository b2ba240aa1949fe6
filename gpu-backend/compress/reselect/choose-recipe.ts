/**
 * Chooses the next compression recipe from the traffic a deployment served.
 *
 * Decoding one token reads every weight once per step, whatever the batch size, so with small
 * batches decode is bound by memory bandwidth and fewer bits per weight make it faster: 4-bit
 * weights (`q4`). With large batches or long prompts the matrix products become compute-bound,
 * where 4-bit weights cost extra dequantization and give little: 8-bit (`int8`) on CPU, whose
 * integer kernels are fast, or float16 (`fp16`) on CUDA. Quality signals veto a recipe whose
 * variant already scored under the floor, and latency-objective breaches push toward the
 * faster, lower-precision side.
 *
 * NOTE: the thresholds (4 and 16 sequences, 1024 prompt tokens) are rules of thumb for
 * decoder-only models on one accelerator, not measurements of this project's models.
 */

import type { TrafficProfile, VariantSignal } from './traffic-profile.js';

export const SMALL_BATCH = 4;
export const LARGE_BATCH = 16;
export const LONG_PROMPT_TOKENS = 1024;

export interface ReselectOptions {
  executionProvider: 'cpu' | 'cuda';
  /** p95 of total request time the deployment must meet, in seconds. */
  latencyObjectiveSeconds: number;
  /** Lowest acceptable quality score (replay agreement or feedback), from 0 to 1. */
  qualityFloor: number;
  /** Minimum requests for the traffic to count; below it the current recipe stays. */
  minRequests?: number;
  /** Recipe active now, kept when the traffic does not support a change. */
  currentRecipe?: string;
}

export type TrafficRegime = 'memory-bound' | 'compute-bound' | 'mixed' | 'unknown';

export interface RecipeChoice {
  recipe: string;
  regime: TrafficRegime;
  /** One sentence per fact that led to the choice, in order. */
  reasons: string[];
  /** Recipes ruled out, with why. */
  rejected: { recipe: string; reason: string }[];
}

/** Recipes from lowest to highest precision. */
const PRECISION_ORDER: readonly string[] = ['q4', 'int8', 'fp16'];

export function chooseRecipe(profile: TrafficProfile, options: ReselectOptions): RecipeChoice {
  const reasons: string[] = [];
  const rejected: RecipeChoice['rejected'] = [];
  const minRequests = options.minRequests ?? 100;

  if (profile.requests < minRequests) {
    const recipe = options.currentRecipe ?? 'int8';
    reasons.push(`Only ${profile.requests} requests of ${profile.model} were recorded in the ${profile.window} window (fewer than ${minRequests}), so the traffic does not justify a change; keeping ${recipe}.`);
    return { recipe, regime: 'unknown', reasons, rejected };
  }

  const regime = classify(profile, reasons);
  const largeBatchRecipe = options.executionProvider === 'cuda' ? 'fp16' : 'int8';
  let preferred = 'int8';
  if (regime === 'memory-bound') preferred = 'q4';
  if (regime === 'compute-bound') preferred = largeBatchRecipe;
  if (regime === 'compute-bound') {
    reasons.push(
      options.executionProvider === 'cuda'
        ? 'On CUDA, float16 tensor-core kernels serve compute-bound batches best, so fp16 is preferred.'
        : 'On CPU, int8 integer kernels serve compute-bound batches best, so int8 is preferred.',
    );
  }

  const breaching = profile.variants.filter((variant) => variant.latencyP95Seconds !== null && variant.latencyP95Seconds > options.latencyObjectiveSeconds);
  if (breaching.length > 0 && regime !== 'compute-bound') {
    reasons.push(
      `${breaching.map((variant) => `${variant.variant} (p95 ${formatSeconds(variant.latencyP95Seconds)})`).join(', ')} broke the ${options.latencyObjectiveSeconds} s p95 objective; lower precision decodes faster, so q4 is preferred.`,
    );
    preferred = 'q4';
  }

  const order = PRECISION_ORDER;
  const start = order.indexOf(preferred);
  for (const recipe of order.slice(start)) {
    const failing = failingQuality(profile.variants, recipe, options.qualityFloor);
    if (failing === undefined) {
      reasons.push(recipe === preferred ? `Chose ${recipe}.` : `Chose ${recipe}, the next higher precision.`);
      return { recipe, regime, reasons, rejected };
    }
    rejected.push({ recipe, reason: failing });
    reasons.push(`Rejected ${recipe}: ${failing}`);
  }

  const fallback = order[order.length - 1] as string;
  reasons.push(`Every lower-precision recipe failed the quality floor, so the highest precision, ${fallback}, stays.`);
  return { recipe: fallback, regime, reasons, rejected };
}

function classify(profile: TrafficProfile, reasons: string[]): TrafficRegime {
  const batch = profile.meanBatchSize;
  const prompt = profile.meanPromptTokens;

  if (prompt !== null && prompt >= LONG_PROMPT_TOKENS) {
    reasons.push(`Prompts average ${Math.round(prompt)} tokens (at least ${LONG_PROMPT_TOKENS}), so prefill dominates and is compute-bound.`);
    return 'compute-bound';
  }
  if (batch === null) {
    reasons.push('The backend reported no batch sizes, so single-sequence decoding is assumed: memory-bound.');
    return 'memory-bound';
  }
  if (batch <= SMALL_BATCH) {
    reasons.push(`Batches average ${batch.toFixed(1)} sequences (at most ${SMALL_BATCH}), so decode is bound by reading weights from memory.`);
    return 'memory-bound';
  }
  if (batch >= LARGE_BATCH) {
    reasons.push(`Batches average ${batch.toFixed(1)} sequences (at least ${LARGE_BATCH}), so decode is compute-bound.`);
    return 'compute-bound';
  }
  reasons.push(`Batches average ${batch.toFixed(1)} sequences, between ${SMALL_BATCH} and ${LARGE_BATCH}: neither bound dominates.`);
  return 'mixed';
}

/** Returns why `recipe` fails the quality floor, or undefined when no recorded signal shows that. */
function failingQuality(variants: readonly VariantSignal[], recipe: string, floor: number): string | undefined {
  const variant = variants.find((entry) => entry.variant === recipe);
  if (variant === undefined) return undefined;
  if (variant.replayQuality !== null && variant.replayQuality < floor) {
    return `its replay agreement with the reference was ${variant.replayQuality.toFixed(2)}, under the floor of ${floor}.`;
  }
  if (variant.feedbackQuality !== null && variant.feedbackQuality < floor) {
    return `its client feedback averaged ${variant.feedbackQuality.toFixed(2)}, under the floor of ${floor}.`;
  }
  return undefined;
}

function formatSeconds(value: number | null): string {
  return value === null ? 'unknown' : `${value.toFixed(2)} s`;
}
