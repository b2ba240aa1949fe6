/** Synthetic {@link VariantMeasurement}s for selection tests. */

import type { VariantMeasurement } from '../evaluate/evaluate-variants.js';

export interface SyntheticPoint {
  name: string;
  pplIncreasePercent: number;
  p95DecodeMs: number;
  fileBytes: number;
  agreement?: number;
  bitsPerWeight?: number;
}

export function syntheticMeasurement(point: SyntheticPoint): VariantMeasurement {
  const summary = (ms: number) => ({ medianMs: ms / 2, p95Ms: ms, samples: 10 });
  return {
    name: point.name,
    onnxPath: `/models/${point.name}.onnx`,
    fileBytes: point.fileBytes,
    matmul: { weights: 1000, bytes: ((point.bitsPerWeight ?? 32) * 1000) / 8, bitsPerWeight: point.bitsPerWeight ?? 32 },
    quality: {
      stories: 1,
      predictedTokens: 100,
      meanNll: Math.log(4 * (1 + point.pplIncreasePercent / 100)),
      perplexity: 4 * (1 + point.pplIncreasePercent / 100),
      top1Agreement: point.agreement ?? 1,
      meanKl: 0,
      storyNllSums: [],
      storyTokenCounts: [],
      perplexityIncreasePercent: point.pplIncreasePercent,
    },
    performance: {
      loadMs: 1,
      latency: [{ batchSize: 1, promptTokens: 8, decodeSteps: 4, prefill: summary(10), decode: summary(point.p95DecodeMs), decodeTokensPerSecond: 1000 / point.p95DecodeMs }],
      rssBeforeLoadBytes: 1,
      peakRssBytes: 2,
      tokensPerSecond: 1000 / point.p95DecodeMs,
      dollarsPerMillionTokens: null,
    },
  };
}
