/**
 * `int4-rtn`: 4-bit weight-only block quantization of MatMul weights by rounding to nearest,
 * executed by ONNX Runtime's com.microsoft MatMulNBits (float activations, 4-bit weights).
 */
import type { CompressionMethod, IntParam, BooleanParam, MethodResult, ParamDeclarations } from '../method.js';
import type { OnnxModel } from '../../onnx/types.js';
import { cloneModelShallow, ensureOpset, float32Of } from './graph-edit.js';
import { MATMUL_NBITS_DOMAIN, quantizeRtn } from './int4-blocks.js';
import { findMatMulWeights, LM_HEAD_PARAM, WEIGHTS_PARAM, weightGroupsFor, weightQuantizationResult, type WeightTargetParams } from './matmul-weights.js';
import { replaceWithMatMulNBits } from './matmul-nbits-rewrite.js';

export interface Int4Params extends WeightTargetParams {
  blockSize: number;
  symmetric: boolean;
  accuracyLevel: number;
}

export const BLOCK_SIZE_PARAM: IntParam = {
  type: 'int',
  min: 16,
  max: 128,
  powerOfTwo: true,
  default: 32,
  search: [32, 128],
  description: 'Weights per quantization block along K (a power of two from 16 to 128); smaller blocks are more accurate and larger',
};

export const SYMMETRIC_PARAM: BooleanParam = {
  type: 'boolean',
  default: true,
  search: [true, false],
  description: 'Symmetric blocks (implicit zero point 8); false stores a 4-bit zero point per block',
};

export const ACCURACY_LEVEL_PARAM: IntParam = {
  type: 'int',
  min: 0,
  max: 4,
  default: 0,
  description: 'MatMulNBits accuracy_level: minimum precision of A during compute (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8)',
};

/** Parameters every int4 method takes: the weight selection and the MatMulNBits block layout. */
export const INT4_PARAMS: ParamDeclarations<Int4Params> = {
  weights: WEIGHTS_PARAM,
  lmHead: LM_HEAD_PARAM,
  blockSize: BLOCK_SIZE_PARAM,
  symmetric: SYMMETRIC_PARAM,
  accuracyLevel: ACCURACY_LEVEL_PARAM,
};

/** Quantizes every selected weight with `quantize` and rewrites its MatMul to MatMulNBits. */
export function applyInt4(
  model: OnnxModel,
  params: Int4Params,
  quantize: (weight: Float32Array, k: number, n: number, weightName: string) => ReturnType<typeof quantizeRtn>,
): MethodResult {
  const out = cloneModelShallow(model);
  const targets = findMatMulWeights(out.graph, params);
  let packedBytes = 0;
  for (const target of targets) {
    const quantized = quantize(float32Of(target.weight), target.k, target.n, target.weight.name ?? '');
    packedBytes += replaceWithMatMulNBits(out.graph, target, quantized, params.accuracyLevel);
  }

  if (targets.length > 0) ensureOpset(out, MATMUL_NBITS_DOMAIN, 1);

  return weightQuantizationResult({ model: out, targets, bytesAfter: packedBytes, notes: [], lmHead: params.lmHead });
}

export const int4Rtn: CompressionMethod<Int4Params> = {
  name: 'int4-rtn',
  kind: 'quantization',
  description: '4-bit block-wise weight-only quantization (round to nearest) with the com.microsoft MatMulNBits operator',
  appliesTo: { opTypes: ['MatMul'], executionProviders: ['cpu', 'cuda'] },
  params: INT4_PARAMS,
  incompatibleWith: [],
  weightGroups: weightGroupsFor,
  needsCalibration: false,
  searchable: true,
  async apply(model, params) {
    return applyInt4(model, params, (weight, k, n) => quantizeRtn(weight, k, n, params.blockSize, params.symmetric));
  },
};
