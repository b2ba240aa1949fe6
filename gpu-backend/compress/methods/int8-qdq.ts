/**
 * `int8-qdq`: int8 weights with per-channel scales in QDQ form. Each selected MatMul reads
 * DequantizeLinear(W_q int8 [K, N], scale [N], zero_point [N], axis=1), so activations stay float
 * and an execution provider may fuse the pair into an integer kernel: onnxruntime 1.30 on CPU, at
 * graphOptimizationLevel `extended` or higher, rewrites it to an 8-bit MatMulNBits that also
 * quantizes the activations (its default accuracy_level 4).
 */
import { makeAttribute } from '../../onnx/builder.js';
import { makeTensor } from '../../onnx/tensor.js';
import { DataType, type OnnxNode } from '../../onnx/types.js';
import type { CompressionMethod } from '../method.js';
import { cloneModelShallow, float32Of, uniqueNameFactory } from './graph-edit.js';
import { quantizeInt8 } from './int8-weights.js';
import { applyNodeReplacements, findMatMulWeights, LM_HEAD_PARAM, WEIGHTS_PARAM, weightGroupsFor, weightQuantizationResult, type WeightTargetParams } from './matmul-weights.js';

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
    const out = cloneModelShallow(model);
    const graph = out.graph;
    const uniqueName = uniqueNameFactory(graph);
    const targets = findMatMulWeights(graph, params);
    const replacements = new Map<number, OnnxNode[]>();
    const removed = new Set<string>();
    let weightBytes = 0;

    for (const target of targets) {
      const weightName = target.weight.name ?? '';
      const q = quantizeInt8(float32Of(target.weight), target.k, target.n, 'int8', true);
      const tensors = [
        makeTensor(uniqueName(`${weightName}_quantized`), DataType.INT8, [target.k, target.n], q.values),
        makeTensor(uniqueName(`${weightName}_scale`), DataType.FLOAT, [target.n], q.scales),
        makeTensor(uniqueName(`${weightName}_zero_point`), DataType.INT8, [target.n], q.zeroPoints),
      ] as const;
      graph.initializer.push(...tensors);
      removed.add(weightName);
      weightBytes += tensors.reduce((sum, t) => sum + (t.rawData?.byteLength ?? 0), 0);

      const dequantized = uniqueName(`${weightName}_DequantizeLinear_output`);
      replacements.set(target.nodeIndex, [
        {
          input: tensors.map((t) => t.name!),
          output: [dequantized],
          name: uniqueName(`${target.node.name ?? weightName}_DequantizeLinear`),
          opType: 'DequantizeLinear',
          attribute: [makeAttribute('axis', 1)],
        },
        { ...target.node, input: [target.node.input![0]!, dequantized] },
      ]);
    }

    applyNodeReplacements(graph, replacements, removed);

    return weightQuantizationResult({ model: out, targets, bytesAfter: weightBytes, notes: ['activations stay float32 in the graph; onnxruntime CPU (level extended and up) fuses DequantizeLinear+MatMul into an 8-bit MatMulNBits that quantizes them to int8'], lmHead: params.lmHead });
  },
};
