/**
 * `int8-qdq`: int8 weights with per-channel scales in QDQ form. Each selected MatMul reads
 * DequantizeLinear(W_q int8 [K, N], scale [N], zero_point [N], axis=1), so activations stay float
 * and an execution provider may fuse the pair into an integer kernel: onnxruntime 1.30 on CPU, at
 * graphOptimizationLevel `extended` or higher, rewrites it to an 8-bit MatMulNBits that also
 * quantizes the activations (its default accuracy_level 4).
 */
import { makeAttribute } from '../../onnx/builder.js';
import type { CompressionMethod } from '../method.js';
import { rewriteInt8MatMuls } from './int8-matmul-rewrite.js';
import { LM_HEAD_PARAM, WEIGHTS_PARAM, weightGroupsFor, weightQuantizationResult, type WeightTargetParams } from './matmul-weights.js';

export type Int8QdqParams = WeightTargetParams;

export const int8Qdq: CompressionMethod<Int8QdqParams> = {
  name: 'int8-qdq',
  kind: 'quantization',
  description: 'int8 per-channel weight quantization in QDQ form: DequantizeLinear (axis 1) on int8 weights feeding each MatMul',
  appliesTo: { opTypes: ['MatMul'], executionProviders: ['cpu', 'cuda'] },
  params: { weights: WEIGHTS_PARAM, lmHead: LM_HEAD_PARAM },
  incompatibleWith: [],
  weightGroups: weightGroupsFor,
  needsCalibration: false,
  searchable: true,
  async apply(model, params) {
    const rewrite = rewriteInt8MatMuls(model, params, { weightType: 'int8', perChannel: true }, (target, initializers, uniqueName) => {
      const weightName = target.weight.name ?? '';
      const dequantized = uniqueName(`${weightName}_DequantizeLinear_output`);
      return [
        {
          input: initializers.map((t) => t.name!),
          output: [dequantized],
          name: uniqueName(`${target.node.name ?? weightName}_DequantizeLinear`),
          opType: 'DequantizeLinear',
          attribute: [makeAttribute('axis', 1)],
        },
        { ...target.node, input: [target.node.input![0]!, dequantized] },
      ];
    });

    return weightQuantizationResult({ model: rewrite.model, targets: rewrite.targets, bytesAfter: rewrite.weightBytes, notes: ['activations stay float32 in the graph; onnxruntime CPU (level extended and up) fuses DequantizeLinear+MatMul into an 8-bit MatMulNBits that quantizes them to int8'], lmHead: params.lmHead });
  },
};
