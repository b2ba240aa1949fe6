/**
 * Statistics of intermediate tensors over a calibration set. The requested tensors become extra
 * graph outputs, and the decoder runs once per calibration sequence (batch 1, empty KV cache).
 * Each output is folded into a running statistic, so memory grows with the statistics, not with
 * the number of tokens:
 *
 * - `gram`: X^T X over all rows of X (the last axis is the feature axis), `features²` float64
 *   values; GPTQ's Hessian of a MatMul whose input is X is 2 X^T X.
 * - `sum-squares`: Σ x² per feature, `features` values; the squared activation norm that
 *   structured pruning scores neurons and heads with.
 *
 * Requests are split into passes so that the statistics of one pass fit `memoryBudgetBytes`.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../../src/log/logger.js';
import { silentLogger } from '../../../src/log/logger.js';
import { valueInfo } from '../../onnx/builder.js';
import { writeModel } from '../../onnx/model-io.js';
import { DataType, type OnnxModel, type OnnxValueInfo } from '../../onnx/types.js';
import type { CalibrationSet } from './calibration-set.js';

export type ActivationStatistic = 'gram' | 'sum-squares';

export interface ActivationRequest {
  tensorName: string;
  statistic: ActivationStatistic;
  /** Size of the tensor's last axis. */
  features: number;
}

export interface ActivationStats {
  tensorName: string;
  features: number;
  /** Rows folded in (tokens, counting every leading axis). */
  rows: number;
  /** Row-major `[features, features]` for `gram`. */
  gram?: Float64Array;
  /** `[features]` for `sum-squares`. */
  sumSquares?: Float64Array;
}

export interface CollectOptions {
  /** Largest total size of the statistics accumulated in one pass; default 256 MiB. */
  memoryBudgetBytes?: number;
  logger?: Logger;
}

function statisticBytes(request: ActivationRequest): number {
  return request.statistic === 'gram' ? request.features * request.features * 8 : request.features * 8;
}

/** Splits requests into passes whose statistics fit the budget (a single oversized request gets its own pass). */
export function planPasses(requests: readonly ActivationRequest[], budgetBytes: number): ActivationRequest[][] {
  const passes: ActivationRequest[][] = [];
  let pass: ActivationRequest[] = [];
  let used = 0;
  for (const request of requests) {
    const bytes = statisticBytes(request);
    if (pass.length > 0 && used + bytes > budgetBytes) {
      passes.push(pass);
      pass = [];
      used = 0;
    }
    pass.push(request);
    used += bytes;
  }
  if (pass.length > 0) passes.push(pass);
  return passes;
}

/** Feeds for one sequence of a decoder with the Hugging Face input layout. */
export function decoderFeeds(inputs: readonly OnnxValueInfo[], tokens: readonly number[]): Record<string, ort.Tensor> {
  const length = tokens.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) {
    const name = input.name ?? '';
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [1, length]);
    else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
    else if (name === 'position_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(tokens, (_, i) => BigInt(i)), [1, length]);
    else if (name.startsWith('past_key_values.')) {
      const dims = (input.type?.tensorType?.shape?.dim ?? []).map((d, axis) => (axis === 0 ? 1 : d.dimValue ?? 0));
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), dims);
    } else {
      throw new Error(`cannot build a calibration feed for graph input "${name}": expected input_ids, attention_mask, position_ids and past_key_values.*`);
    }
  }
  return feeds;
}

function accumulate(stats: ActivationStats, data: Float32Array): void {
  const k = stats.features;
  if (data.length % k !== 0) throw new Error(`tensor ${stats.tensorName}: ${data.length} values do not split into rows of ${k} features`);
  const rows = data.length / k;
  stats.rows += rows;
  if (stats.sumSquares) {
    for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) stats.sumSquares[i]! += data[r * k + i]! ** 2;
  }
  if (stats.gram) {
    const gram = stats.gram;
    for (let r = 0; r < rows; r++) {
      const offset = r * k;
      for (let i = 0; i < k; i++) {
        const xi = data[offset + i]!;
        if (xi === 0) continue;
        const rowOffset = i * k;
        for (let j = i; j < k; j++) gram[rowOffset + j]! += xi * data[offset + j]!;
      }
    }
  }
}

function mirrorUpperTriangle(gram: Float64Array, k: number): void {
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) gram[i * k + j] = gram[j * k + i]!;
}

/** Runs the calibration set through `model` and returns one statistic per request, keyed by tensor name. */
export async function collectActivations(
  model: OnnxModel,
  requests: readonly ActivationRequest[],
  calibration: CalibrationSet,
  options: CollectOptions = {},
): Promise<Map<string, ActivationStats>> {
  const log = options.logger ?? silentLogger;
  const result = new Map<string, ActivationStats>();
  const passes = planPasses(requests, options.memoryBudgetBytes ?? 256 * 2 ** 20);
  const graphOutputs = new Set((model.graph?.output ?? []).map((o) => o.name ?? ''));

  for (const [passIndex, pass] of passes.entries()) {
    const extraOutputs = pass.filter((r) => !graphOutputs.has(r.tensorName)).map((r) => valueInfo(r.tensorName, DataType.FLOAT));
    const probe: OnnxModel = { ...model, graph: { ...model.graph, output: [...(model.graph?.output ?? []), ...extraOutputs] } };
    const session = await ort.InferenceSession.create(writeModel(probe), { graphOptimizationLevel: 'disabled' });
    // Several requests on one tensor share one entry holding each requested statistic.
    const byTensor = new Map<string, ActivationStats>();
    for (const request of pass) {
      const stat = byTensor.get(request.tensorName) ?? { tensorName: request.tensorName, features: request.features, rows: 0 };
      if (stat.features !== request.features) throw new Error(`tensor ${request.tensorName} requested with ${stat.features} and ${request.features} features`);
      if (request.statistic === 'gram') stat.gram ??= new Float64Array(request.features * request.features);
      else stat.sumSquares ??= new Float64Array(request.features);
      byTensor.set(request.tensorName, stat);
    }
    const stats = [...byTensor.values()];
    const fetches = [...byTensor.keys()];
    try {
      for (const tokens of calibration.sequences) {
        const outputs = await session.run(decoderFeeds(model.graph?.input ?? [], tokens), fetches);
        for (const stat of stats) accumulate(stat, outputs[stat.tensorName]!.data as Float32Array);
      }
    } finally {
      await session.release();
    }
    for (const stat of stats) {
      if (stat.gram) mirrorUpperTriangle(stat.gram, stat.features);
      // A tensor whose statistics fell into two passes gets them merged into one entry.
      const earlier = result.get(stat.tensorName);
      result.set(stat.tensorName, earlier ? { ...earlier, ...(stat.gram ? { gram: stat.gram } : {}), ...(stat.sumSquares ? { sumSquares: stat.sumSquares } : {}) } : stat);
    }
    log.debug({ pass: passIndex + 1, passes: passes.length, tensors: fetches.length, sequences: calibration.sequences.length }, 'calibration pass finished');
  }
  return result;
}
