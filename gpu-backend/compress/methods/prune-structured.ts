/**
 * `prune-structured`: removes feed-forward neurons (columns of gate/up, rows of down) and whole
 * attention KV groups (a KV head with its query heads: columns of q/k/v, rows of o), so the
 * matrices really get smaller. A unit's score is Σ (activation²) · ||outgoing weight row||² over
 * its features on calibration data, an estimate of its share of the block output energy. Every
 * layer loses the same number of units, so the model keeps one `intermediate_size` and one head
 * count. With `refit`, the kept rows of down_proj and o_proj are then solved by least squares.
 */
import { floatTensor, int64Tensor } from '../../onnx/tensor.js';
import type { BooleanParam, CompressionMethod, FloatParam, IntParam } from '../method.js';
import { cholesky, inverseFromCholesky } from './gptq.js';
import { collectActivations, type ActivationRequest } from '../calibration/collect-activations.js';
import { subsetCalibration } from '../calibration/calibration-set.js';
import { cloneModelShallow, countFloatParameters, float32Of, removeUnusedInitializers, uniqueNameFactory } from './graph-edit.js';
import { findAttentionBlocks, findMlpBlocks, int64Constant, type AttentionBlock, type ProjectionRef } from './decoder-blocks.js';
import type { OnnxGraph, OnnxTensor } from '../../onnx/types.js';

export interface PruneStructuredParams {
  ffnRatio: number;
  headGroupRatio: number;
  ffnMultipleOf: number;
  calibrationSequences: number;
  refit: boolean;
}

const FFN_RATIO_PARAM: FloatParam = {
  type: 'float',
  min: 0,
  max: 0.9,
  default: 0.25,
  search: [0.125, 0.25],
  description: 'Fraction of feed-forward neurons removed from every layer',
};
const HEAD_RATIO_PARAM: FloatParam = {
  type: 'float',
  min: 0,
  max: 0.75,
  default: 0,
  search: [0, 0.25],
  description: 'Fraction of KV groups (a KV head with the query heads that share it) removed from every layer; rounded down',
};
const MULTIPLE_PARAM: IntParam = {
  type: 'int',
  min: 1,
  max: 256,
  default: 1,
  description: 'Kept feed-forward neurons are rounded up to a multiple of this (for kernel-friendly sizes)',
};
const REFIT_PARAM: BooleanParam = {
  type: 'boolean',
  default: true,
  search: [true, false],
  description: 'Refit the kept rows of down_proj and o_proj by least squares so the block output best matches the unpruned one on calibration data',
};
const SEQUENCES_PARAM: IntParam = {
  type: 'int',
  min: 1,
  max: 100_000,
  default: 64,
  description: 'Calibration sequences used for the activation norms (the first ones of the calibration set)',
};

/** Indices of the `keep` highest scores, in ascending index order. */
export function topIndices(scores: ArrayLike<number>, keep: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/** Keeps the listed columns of a row-major `[rows, cols]` matrix. */
export function keepColumns(data: Float32Array, rows: number, cols: number, keep: readonly number[]): Float32Array {
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++) keep.forEach((c, j) => (out[r * keep.length + j] = data[r * cols + c]!));
  return out;
}

/** Keeps the listed rows of a row-major `[rows, cols]` matrix. */
export function keepRows(data: Float32Array, cols: number, keep: readonly number[]): Float32Array {
  const out = new Float32Array(keep.length * cols);
  keep.forEach((r, i) => out.set(data.subarray(r * cols, (r + 1) * cols), i * cols));
  return out;
}

/**
 * Refits an outgoing projection W `[F, D]` by least squares after keeping only the input features
 * `keep`. Returns W' `[keep, D]` minimizing ||X W - X_keep W'||² over the calibration rows. The
 * solution is W' = G_kk⁻¹ G_k· W for the Gram matrix G = XᵀX, damped by 1% of its mean diagonal.
 */
export function refitRows(gram: Float64Array, features: number, weight: Float32Array, cols: number, keep: readonly number[]): Float32Array {
  const size = keep.length;
  const kept = new Float64Array(size * size);
  let meanDiagonal = 0;
  keep.forEach((f) => (meanDiagonal += gram[f * features + f]! / size));
  keep.forEach((fi, i) => keep.forEach((fj, j) => (kept[i * size + j] = gram[fi * features + fj]! + (i === j ? 0.01 * meanDiagonal + 1e-12 : 0))));
  const inverse = inverseFromCholesky(cholesky(kept, size), size);

  // G_k· W, `[size, cols]`.
  const target = new Float64Array(size * cols);
  keep.forEach((fi, i) => {
    for (let f = 0; f < features; f++) {
      const g = gram[fi * features + f]!;
      if (g === 0) continue;
      for (let c = 0; c < cols; c++) target[i * cols + c]! += g * weight[f * cols + c]!;
    }
  });
  const out = new Float32Array(size * cols);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const factor = inverse[i * size + j]!;
      for (let c = 0; c < cols; c++) out[i * cols + c]! += factor * target[j * cols + c]!;
    }
  }
  return out;
}

function rowEnergy(weight: Float32Array, cols: number, row: number): number {
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += weight[row * cols + c]! ** 2;
  return sum;
}

/** Expands unit indices to feature indices (`width` consecutive features per unit). */
function featuresOf(units: readonly number[], width: number): number[] {
  return units.flatMap((u) => Array.from({ length: width }, (_, i) => u * width + i));
}

function replaceInitializer(graph: OnnxGraph, tensor: OnnxTensor): void {
  graph.initializer = (graph.initializer ?? []).map((t) => (t.name === tensor.name ? tensor : t));
}

function sliceProjection(graph: OnnxGraph, ref: ProjectionRef, keep: readonly number[], axis: 'rows' | 'columns'): void {
  const [rows, cols] = ref.dims;
  const data = float32Of(ref.weight);
  const name = ref.weight.name ?? '';
  const sliced = axis === 'columns' ? keepColumns(data, rows, cols, keep) : keepRows(data, cols, keep);
  replaceInitializer(graph, floatTensor(name, axis === 'columns' ? [rows, keep.length] : [keep.length, cols], sliced));
}

/** Keeps rows `keep` of an outgoing projection, refitted on the Gram matrix of its input when given. */
function shrinkOutgoing(graph: OnnxGraph, ref: ProjectionRef, keep: readonly number[], gram: Float64Array | undefined): void {
  if (!gram) {
    sliceProjection(graph, ref, keep, 'rows');
    return;
  }
  const [rows, cols] = ref.dims;
  const refitted = refitRows(gram, rows, float32Of(ref.weight), cols, keep);
  replaceInitializer(graph, floatTensor(ref.weight.name ?? '', [keep.length, cols], refitted));
}

/** Rewrites the head counts in this block's Reshape shapes and KV-cache shapes. */
function shrinkAttentionShapes(graph: OnnxGraph, block: AttentionBlock, keptKvHeads: number, uniqueName: (base: string) => string): void {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const { numHeads: heads, numKvHeads: kvHeads, headDim } = block;
  const keptHeads = keptKvHeads * (heads / kvHeads);
  const groups = BigInt(heads / kvHeads);
  for (const reshape of block.reshapes) {
    const shape = int64Constant(initializers, reshape.input?.[1] ?? '');
    if (!shape) throw new Error(`Reshape ${reshape.name ?? '?'} in layer ${block.layer} has no constant shape; cannot prune its heads`);
    let updated: bigint[] | undefined;
    if (shape.length === 4 && shape[3] === BigInt(headDim) && shape[2] === BigInt(heads)) updated = [shape[0]!, shape[1]!, BigInt(keptHeads), shape[3]!];
    else if (shape.length === 4 && shape[3] === BigInt(headDim) && shape[2] === BigInt(kvHeads)) updated = [shape[0]!, shape[1]!, BigInt(keptKvHeads), shape[3]!];
    else if (shape.length === 5 && shape[2] === BigInt(kvHeads) && shape[3] === groups) updated = [shape[0]!, shape[1]!, BigInt(keptKvHeads), shape[3]!, shape[4]!];
    else if (shape.length === 3 && shape[2] === BigInt(heads * headDim)) updated = [shape[0]!, shape[1]!, BigInt(keptHeads * headDim)];
    if (!updated) continue;
    // Shape constants are shared between layers, so each pruned Reshape gets its own copy.
    const name = uniqueName(`model.layers.${block.layer}.self_attn.reshape_shape`);
    graph.initializer = [...(graph.initializer ?? []), int64Tensor(name, [updated.length], updated)];
    const index = (graph.node ?? []).indexOf(reshape);
    graph.node![index] = { ...reshape, input: [reshape.input![0]!, name] };
  }

  const cacheNames = new Set([...block.cacheInputs, ...block.cacheOutputs]);
  const withKvHeads = <T extends { name?: string }>(info: T): T => {
    if (!cacheNames.has(info.name ?? '')) return info;
    const copy = structuredClone(info) as T & { type?: { tensorType?: { shape?: { dim?: { dimValue?: number }[] } } } };
    const dim = copy.type?.tensorType?.shape?.dim?.[1];
    if (dim) dim.dimValue = keptKvHeads;
    return copy;
  };
  graph.input = (graph.input ?? []).map(withKvHeads);
  graph.output = (graph.output ?? []).map(withKvHeads);
}

export const pruneStructured: CompressionMethod<PruneStructuredParams> = {
  name: 'prune-structured',
  kind: 'pruning',
  description: 'Structured pruning of feed-forward neurons and attention KV groups, scored on calibration activations; matrices get smaller',
  appliesTo: { opTypes: ['MatMul', 'Reshape'], executionProviders: ['cpu', 'cuda'] },
  params: { ffnRatio: FFN_RATIO_PARAM, headGroupRatio: HEAD_RATIO_PARAM, ffnMultipleOf: MULTIPLE_PARAM, calibrationSequences: SEQUENCES_PARAM, refit: REFIT_PARAM },
  incompatibleWith: [],
  needsCalibration: true,
  searchable: true,
  async apply(model, params, context) {
    if (!context.calibration) throw new Error('prune-structured needs calibration data in the method context');
    const out = cloneModelShallow(model);
    const graph = out.graph;
    const mlps = params.ffnRatio > 0 ? findMlpBlocks(graph) : [];
    const attentions = params.headGroupRatio > 0 ? findAttentionBlocks(graph) : [];
    if (params.ffnRatio > 0 && mlps.length === 0) throw new Error('prune-structured found no gate/up/down projections named model.layers.{i}.mlp.*_proj.weight');
    if (params.headGroupRatio > 0 && attentions.length === 0) throw new Error('prune-structured found no attention blocks named model.layers.{i}.self_attn.*_proj.weight');

    const requests: ActivationRequest[] = [
      ...mlps.map((b) => ({ tensorName: b.down.node.input![0]!, statistic: 'sum-squares' as const, features: b.down.dims[0] })),
      ...attentions.map((b) => ({ tensorName: b.o.node.input![0]!, statistic: 'sum-squares' as const, features: b.o.dims[0] })),
    ];
    if (params.refit) requests.push(...requests.map((r) => ({ ...r, statistic: 'gram' as const })));
    const calibration = subsetCalibration(context.calibration, params.calibrationSequences);
    const stats = await collectActivations(model, requests, calibration, { logger: context.logger });
    const parametersBefore = countFloatParameters(graph);
    const uniqueName = uniqueNameFactory(graph);

    let keptNeurons = 0;
    for (const block of mlps) {
      const size = block.down.dims[0];
      keptNeurons = Math.min(size, Math.ceil(Math.round(size * (1 - params.ffnRatio)) / params.ffnMultipleOf) * params.ffnMultipleOf);
      const energy = stats.get(block.down.node.input![0]!)!.sumSquares!;
      const down = float32Of(block.down.weight);
      const scores = Array.from({ length: size }, (_, j) => energy[j]! * rowEnergy(down, block.down.dims[1], j));
      const keep = topIndices(scores, keptNeurons);
      sliceProjection(graph, block.gate, keep, 'columns');
      sliceProjection(graph, block.up, keep, 'columns');
      shrinkOutgoing(graph, block.down, keep, stats.get(block.down.node.input![0]!)!.gram);
    }

    let keptKvHeads = 0;
    let keptHeads = 0;
    for (const block of attentions) {
      const groupSize = block.numHeads / block.numKvHeads;
      keptKvHeads = block.numKvHeads - Math.floor(block.numKvHeads * params.headGroupRatio);
      keptHeads = keptKvHeads * groupSize;
      const energy = stats.get(block.o.node.input![0]!)!.sumSquares!;
      const o = float32Of(block.o.weight);
      const groupWidth = groupSize * block.headDim;
      const scores = Array.from({ length: block.numKvHeads }, (_, g) => {
        let sum = 0;
        for (let f = g * groupWidth; f < (g + 1) * groupWidth; f++) sum += energy[f]! * rowEnergy(o, block.o.dims[1], f);
        return sum;
      });
      const keepGroups = topIndices(scores, keptKvHeads);
      const keepQueryHeads = keepGroups.flatMap((g) => Array.from({ length: groupSize }, (_, i) => g * groupSize + i));
      const queryFeatures = featuresOf(keepQueryHeads, block.headDim);
      const kvFeatures = featuresOf(keepGroups, block.headDim);
      sliceProjection(graph, block.q, queryFeatures, 'columns');
      sliceProjection(graph, block.k, kvFeatures, 'columns');
      sliceProjection(graph, block.v, kvFeatures, 'columns');
      shrinkOutgoing(graph, block.o, queryFeatures, stats.get(block.o.node.input![0]!)!.gram);
      shrinkAttentionShapes(graph, block, keptKvHeads, uniqueName);
    }
    // The shared shape constants that every pruned Reshape stopped reading go, and so do stale value infos.
    removeUnusedInitializers(graph);
    delete graph.valueInfo;

    const parametersAfter = countFloatParameters(graph);
    const notes = [
      `scored on ${calibration.sequences.length} calibration sequences (${calibration.source})`,
      'update config.json: intermediate_size, num_attention_heads and num_key_value_heads follow the stats below',
    ];
    const stats_: Record<string, number> = { parametersBefore, parametersAfter, layersPruned: Math.max(mlps.length, attentions.length) };
    if (mlps.length > 0) stats_.intermediateSize = keptNeurons;
    if (attentions.length > 0) {
      stats_.numHeads = keptHeads;
      stats_.numKvHeads = keptKvHeads;
    }
    return { model: out, notes, stats: stats_ };
  },
};
