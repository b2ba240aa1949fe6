/**
 * The one measurement every variant gets: size on disk, MatMul weight storage, quality on the
 * evaluation stories against the base model, and latency and peak memory in a child process.
 */

import * as ort from 'onnxruntime-node';

import { loadModel } from '../../onnx/model-io.js';
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import type { ModelConfig } from '../../runtime/model-folder.js';
import { dollarsPerMillionTokens } from './cost.js';
import { DecoderRunner, type DecoderShape } from './decoder-runner.js';
import type { LatencyResult } from './latency.js';
import { fileBytesOnDisk, matmulWeightSize, type MatMulWeightSize } from './model-size.js';
import { measurePerformance, type PerformanceResult } from './performance.js';
import { evaluateQuality, type QualityProgress, type QualityResult } from './quality.js';

export interface VariantInput {
  name: string;
  onnxPath: string;
}

export interface QualityMeasurement extends QualityResult {
  /** (perplexity / base perplexity − 1) · 100. */
  perplexityIncreasePercent: number;
}

export interface PerformanceMeasurement {
  loadMs: number;
  /** One entry per measured batch size. */
  latency: LatencyResult[];
  rssBeforeLoadBytes: number;
  peakRssBytes: number;
  /** Decode tokens per second at the largest measured batch size. */
  tokensPerSecond: number;
  /** From the configured price per hour and `tokensPerSecond`; null without a price. */
  dollarsPerMillionTokens: number | null;
}

export interface LatencySettings {
  batchSizes: number[];
  promptTokens: number;
  decodeSteps: number;
  warmupRuns: number;
  measuredRuns: number;
  timeoutMs: number;
}

export interface VariantMeasurement {
  name: string;
  onnxPath: string;
  fileBytes: number;
  matmul: MatMulWeightSize;
  quality: QualityMeasurement | null;
  performance: PerformanceMeasurement | null;
}

export interface EvaluateVariantsOptions {
  baseOnnxPath: string;
  config: ModelConfig;
  variants: readonly VariantInput[];
  /** Tokenized evaluation stories; omit to skip quality. */
  stories?: readonly (readonly number[])[];
  /** Latency settings; omit to skip latency and memory. */
  performance?: LatencySettings;
  executionProvider: ExecutionProvider;
  intraOpNumThreads?: number;
  /** US dollars per hour of the serving machine, for $ per million tokens. */
  pricePerHour?: number;
  onProgress?: (event: EvaluationProgress) => void;
}

export type EvaluationProgress =
  | ({ phase: 'quality' } & QualityProgress)
  | { phase: 'performance'; variant: string; variantsDone: number; variantsTotal: number };

export function decoderShapeOf(config: ModelConfig): DecoderShape {
  return { numLayers: config.numHiddenLayers, numKvHeads: config.numKeyValueHeads, headDim: config.headDim, vocabSize: config.vocabSize };
}

export async function evaluateVariants(options: EvaluateVariantsOptions): Promise<VariantMeasurement[]> {
  const shape = decoderShapeOf(options.config);
  const measurements: VariantMeasurement[] = options.variants.map((variant) => ({
    name: variant.name,
    onnxPath: variant.onnxPath,
    fileBytes: fileBytesOnDisk(variant.onnxPath),
    matmul: matmulWeightSize(loadModel(variant.onnxPath, { loadExternalData: false })),
    quality: null,
    performance: null,
  }));

  if (options.stories) {
    const qualities = await measureQualities(options, shape, options.stories);
    measurements.forEach((measurement, i) => (measurement.quality = qualities[i]!));
  }

  if (options.performance) {
    const { timeoutMs, batchSizes, ...latency } = options.performance;
    for (const [i, measurement] of measurements.entries()) {
      options.onProgress?.({ phase: 'performance', variant: measurement.name, variantsDone: i, variantsTotal: measurements.length });
      const result = await measurePerformance(
        {
          onnxPath: measurement.onnxPath,
          shape,
          executionProvider: options.executionProvider,
          ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
          batchSizes,
          latency,
        },
        timeoutMs,
      );
      measurement.performance = summarizePerformance(result, options.pricePerHour);
    }
    options.onProgress?.({ phase: 'performance', variant: '', variantsDone: measurements.length, variantsTotal: measurements.length });
  }
  return measurements;
}

async function measureQualities(options: EvaluateVariantsOptions, shape: DecoderShape, stories: readonly (readonly number[])[]): Promise<QualityMeasurement[]> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [options.executionProvider],
    graphOptimizationLevel: 'all',
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
  };
  const sessions: ort.InferenceSession[] = [];
  try {
    const open = async (onnxPath: string): Promise<DecoderRunner> => {
      const session = await ort.InferenceSession.create(onnxPath, sessionOptions);
      sessions.push(session);
      return new DecoderRunner(session, shape);
    };
    const base = await open(options.baseOnnxPath);
    const variants: DecoderRunner[] = [];
    for (const variant of options.variants) variants.push(variant.onnxPath === options.baseOnnxPath ? base : await open(variant.onnxPath));

    // The base model runs as the last variant too, so its perplexity comes from the same pass.
    const results = await evaluateQuality({
      reference: base,
      variants: [...variants, base],
      stories,
      onProgress: (progress) => options.onProgress?.({ phase: 'quality', ...progress }),
    });
    const basePerplexity = results.at(-1)!.perplexity;
    return results.slice(0, -1).map((result) => ({ ...result, perplexityIncreasePercent: (result.perplexity / basePerplexity - 1) * 100 }));
  } finally {
    for (const session of sessions) await session.release();
  }
}

function summarizePerformance(result: PerformanceResult, pricePerHour: number | undefined): PerformanceMeasurement {
  const largestBatch = result.latency.reduce((best, entry) => (entry.batchSize > best.batchSize ? entry : best));
  const tokensPerSecond = largestBatch.decodeTokensPerSecond;
  return {
    loadMs: result.loadMs,
    latency: result.latency,
    rssBeforeLoadBytes: result.rssBeforeLoadBytes,
    peakRssBytes: result.peakRssBytes,
    tokensPerSecond,
    dollarsPerMillionTokens: pricePerHour === undefined ? null : dollarsPerMillionTokens(pricePerHour, tokensPerSecond),
  };
}
