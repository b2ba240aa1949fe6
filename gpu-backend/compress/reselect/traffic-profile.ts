/**
 * The traffic a deployment has served, read from the gateway's metrics export
 * (`GET /admin/metrics?window=24h` saved to a file): batch sizes, prompt lengths, latency
 * against its objective and quality signals per variant.
 */

import { readFileSync } from 'node:fs';

import type { WindowSummary } from '../../../src/metrics/window-summary.js';

export interface VariantSignal {
  variant: string;
  requests: number;
  latencyP95Seconds: number | null;
  /** Mean replay agreement with the reference variant, from 0 to 1; null without replays. */
  replayQuality: number | null;
  /** Mean client feedback score, from 0 to 1; null without feedback. */
  feedbackQuality: number | null;
}

export interface TrafficProfile {
  model: string;
  window: string;
  requests: number;
  /** Mean backend batch size; null when the backend reported none. */
  meanBatchSize: number | null;
  /** Share of requests decoded in batches of at most 4 sequences; null without batch sizes. */
  smallBatchShare: number | null;
  /** Mean prompt length in tokens. */
  meanPromptTokens: number | null;
  /** Mean completion length in tokens. */
  meanCompletionTokens: number | null;
  variants: VariantSignal[];
}

/** Reads an admin metrics export from `file` and profiles `model`'s traffic. */
export function readTrafficProfile(file: string, model: string): TrafficProfile {
  let summary: WindowSummary;
  try {
    summary = JSON.parse(readFileSync(file, 'utf8')) as WindowSummary;
  } catch (error) {
    throw new Error(`${file} is not a readable metrics export (GET /admin/metrics saved as JSON): ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(summary.variants) || summary.batchSizes === undefined) {
    throw new Error(`${file} has no "variants" or "batchSizes"; save the body of GET /admin/metrics?window=24h.`);
  }
  return profileTraffic(summary, model);
}

/** Profiles `model` in a metrics summary; batch sizes are gateway-wide because the export merges them. */
export function profileTraffic(summary: WindowSummary, model: string): TrafficProfile {
  const variants = summary.variants.filter((variant) => variant.model === model);
  const requests = variants.reduce((sum, variant) => sum + variant.requests, 0);
  const promptTokens = variants.reduce((sum, variant) => sum + variant.promptTokens, 0);
  const completionTokens = variants.reduce((sum, variant) => sum + variant.completionTokens, 0);

  const batchCounts = summary.batchSizes.counts;
  const batched = batchCounts.reduce((sum, count) => sum + count, 0);
  const smallBuckets = summary.batchSizes.bounds.filter((bound) => bound <= 4).length;
  const small = batchCounts.slice(0, smallBuckets).reduce((sum, count) => sum + count, 0);
  const batchedVariants = variants.filter((variant) => variant.meanBatchSize !== null);
  const batchWeight = batchedVariants.reduce((sum, variant) => sum + variant.requests, 0);

  return {
    model,
    window: summary.window.name,
    requests,
    meanBatchSize: batchWeight === 0 ? null : batchedVariants.reduce((sum, variant) => sum + (variant.meanBatchSize ?? 0) * variant.requests, 0) / batchWeight,
    smallBatchShare: batched === 0 ? null : small / batched,
    meanPromptTokens: requests === 0 ? null : promptTokens / requests,
    meanCompletionTokens: requests === 0 ? null : completionTokens / requests,
    variants: variants.map((variant) => ({
      variant: variant.variant,
      requests: variant.requests,
      latencyP95Seconds: variant.latencyP95Seconds,
      replayQuality: variant.quality.replayMean,
      feedbackQuality: variant.quality.feedbackMean,
    })),
  };
}
