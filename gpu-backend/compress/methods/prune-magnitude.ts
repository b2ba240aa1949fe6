/**
 * `prune-magnitude`: unstructured magnitude pruning. In each selected MatMul weight the fraction
 * `sparsity` of entries with the smallest |w| are set to zero. Shapes and operators are unchanged,
 * so compute is unchanged; only a compressed copy of the file gets smaller.
 */
import { floatTensor } from '../../onnx/tensor.js';
import type { CompressionMethod, FloatParam } from '../method.js';
import { cloneModelShallow, float32Of } from './graph-edit.js';
import { findMatMulWeights, LM_HEAD_PARAM, WEIGHTS_PARAM, type WeightTargetParams } from './matmul-weights.js';

export interface PruneMagnitudeParams extends WeightTargetParams {
  sparsity: number;
}

const SPARSITY_PARAM: FloatParam = {
  type: 'float',
  min: 0,
  max: 0.95,
  default: 0.5,
  search: [0.25, 0.5],
  description: 'Fraction of entries set to zero in each selected weight matrix (0 to 0.95)',
};

/** Zeroes the `count` entries of smallest magnitude (ties broken by index); returns a copy. */
export function zeroSmallest(values: Float32Array, count: number): Float32Array {
  const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
  const out = values.slice();
  for (let i = 0; i < count; i++) out[order[i]!] = 0;
  return out;
}

export const pruneMagnitude: CompressionMethod<PruneMagnitudeParams> = {
  name: 'prune-magnitude',
  kind: 'pruning',
  description: 'Unstructured magnitude pruning: zeroes the smallest weights of each MatMul matrix',
  appliesTo: { opTypes: ['MatMul'], executionProviders: ['cpu', 'cuda'] },
  params: { weights: WEIGHTS_PARAM, lmHead: LM_HEAD_PARAM, sparsity: SPARSITY_PARAM },
  incompatibleWith: [],
  needsCalibration: false,
  searchable: true,
  async apply(model, params) {
    const out = cloneModelShallow(model);
    const targets = findMatMulWeights(out.graph, params);
    const replaced = new Map<string, ReturnType<typeof floatTensor>>();
    let total = 0;
    let zeros = 0;
    for (const target of targets) {
      const values = float32Of(target.weight);
      const pruned = zeroSmallest(values, Math.floor(values.length * params.sparsity));
      total += pruned.length;
      zeros += pruned.reduce((count, v) => count + (v === 0 ? 1 : 0), 0);
      replaced.set(target.weight.name ?? '', floatTensor(target.weight.name ?? '', target.weight.dims ?? [], pruned));
    }
    out.graph.initializer = out.graph.initializer.map((t) => replaced.get(t.name ?? '') ?? t);

    return {
      model: out,
      notes: [
        'unstructured sparsity: shapes and compute are unchanged; only a compressed copy of the file (zip, zstd) gets smaller',
        'onnxruntime has no sparse MatMul kernel for these dense weights, so inference is not faster',
      ],
      stats: { matricesPruned: targets.length, weightsZeroed: zeros, sparsity: total > 0 ? zeros / total : 0 },
    };
  },
};
