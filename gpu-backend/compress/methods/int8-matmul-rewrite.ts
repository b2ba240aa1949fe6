/**
 * The rewrite both int8 weight quantizers share. Each selected MatMul weight is quantized to 8 bits
 * and stored as three initializers (values `[K, N]`, scale, zero point) in place of the float
 * weight. The method then builds the nodes that replace the MatMul on those initializers.
 */
import { makeTensor } from '../../onnx/tensor.js';
import { DataType, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';
import { cloneModelShallow, float32Of, uniqueNameFactory } from './graph-edit.js';
import { quantizeInt8, type Int8WeightType } from './int8-weights.js';
import { applyNodeReplacements, findMatMulWeights, type MatMulWeight, type WeightTargetParams } from './matmul-weights.js';

export interface Int8WeightLayout {
  weightType: Int8WeightType;
  /** One scale and zero point per output column (shape `[N]`), or else one for the whole weight (shape `[]`). */
  perChannel: boolean;
}

/** Initializers of one quantized weight, in DequantizeLinear's input order. */
export type Int8WeightInitializers = readonly [values: OnnxTensor, scale: OnnxTensor, zeroPoint: OnnxTensor];

/** Builds the nodes that replace `target`'s MatMul, naming new values with `uniqueName` (unused in the graph). */
export type Int8MatMulReplacer = (target: MatMulWeight, initializers: Int8WeightInitializers, uniqueName: (base: string) => string) => OnnxNode[];

export interface Int8MatMulRewrite {
  model: OnnxModel;
  targets: readonly MatMulWeight[];
  /** Stored bytes of the new values, scale and zero-point initializers. */
  weightBytes: number;
}

/** Rewrites every MatMul weight that `params` selects, on a copy of `model`. */
export function rewriteInt8MatMuls(model: OnnxModel, params: WeightTargetParams, layout: Int8WeightLayout, replace: Int8MatMulReplacer): Int8MatMulRewrite {
  const out = cloneModelShallow(model);
  const graph = out.graph;
  const uniqueName = uniqueNameFactory(graph);
  const targets = findMatMulWeights(graph, params);
  const replacements = new Map<number, OnnxNode[]>();
  const removed = new Set<string>();
  let weightBytes = 0;

  for (const target of targets) {
    const weightName = target.weight.name ?? '';
    const q = quantizeInt8(float32Of(target.weight), target.k, target.n, layout.weightType, layout.perChannel);
    const elementType = layout.weightType === 'int8' ? DataType.INT8 : DataType.UINT8;
    const scaleDims = layout.perChannel ? [target.n] : [];
    const initializers = [
      makeTensor(uniqueName(`${weightName}_quantized`), elementType, [target.k, target.n], q.values),
      makeTensor(uniqueName(`${weightName}_scale`), DataType.FLOAT, scaleDims, q.scales),
      makeTensor(uniqueName(`${weightName}_zero_point`), elementType, scaleDims, q.zeroPoints),
    ] as const;
    graph.initializer.push(...initializers);
    removed.add(weightName);
    weightBytes += initializers.reduce((sum, t) => sum + (t.rawData?.byteLength ?? 0), 0);

    replacements.set(target.nodeIndex, replace(target, initializers, uniqueName));
  }

  applyNodeReplacements(graph, replacements, removed);

  return { model: out, targets, weightBytes };
}
