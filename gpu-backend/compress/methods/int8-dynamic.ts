/**
 * `int8-dynamic`: dynamic int8 quantization of MatMuls, as ONNX Runtime's `quantize_dynamic`
 * lays it out. Each selected MatMul becomes
 *
 *   DynamicQuantizeLinear(x) → (x_q uint8, x_scale, x_zero_point)
 *   MatMulInteger(x_q, W_q, x_zero_point, W_zero_point) → int32
 *   Cast(float) · (x_scale · W_scale)
 *
 * so activations are quantized per call (per tensor) and weights ahead of time.
 */
import { makeAttribute } from '../../onnx/builder.js';
import { makeTensor } from '../../onnx/tensor.js';
import { DataType, type OnnxNode } from '../../onnx/types.js';
import type { BooleanParam, CompressionMethod, EnumParam } from '../method.js';
import { cloneModelShallow, float32Of, uniqueNameFactory } from './graph-edit.js';
import { quantizeInt8, type Int8WeightType } from './int8-weights.js';
import { applyNodeReplacements, findMatMulWeights, LM_HEAD_PARAM, WEIGHTS_PARAM, weightGroupsFor, weightQuantizationResult, type WeightTargetParams } from './matmul-weights.js';

export interface Int8DynamicParams extends WeightTargetParams {
  weightType: Int8WeightType;
  perChannel: boolean;
}

const WEIGHT_TYPE_PARAM: EnumParam<Int8WeightType> = {
  type: 'enum',
  choices: ['int8', 'uint8'],
  default: 'int8',
  search: ['int8', 'uint8'],
  description: 'Element type of the quantized weights: int8 (symmetric) or uint8 (asymmetric, with a zero point)',
};

const PER_CHANNEL_PARAM: BooleanParam = {
  type: 'boolean',
  default: true,
  description: 'One scale per output column of each weight; false uses one scale per weight tensor',
};

export const int8Dynamic: CompressionMethod<Int8DynamicParams> = {
  name: 'int8-dynamic',
  kind: 'quantization',
  description: 'Dynamic int8 quantization: DynamicQuantizeLinear on activations, MatMulInteger with int8/uint8 weights, then the scale multiplication',
  // NOTE: CPU only, because onnxruntime profiles under the CUDA provider show DynamicQuantizeLinear
  // and MatMulInteger running on the host with copies around them. Not rechecked on 1.30 with a GPU.
  appliesTo: { opTypes: ['MatMul'], executionProviders: ['cpu'] },
  params: { weights: WEIGHTS_PARAM, lmHead: LM_HEAD_PARAM, weightType: WEIGHT_TYPE_PARAM, perChannel: PER_CHANNEL_PARAM },
  // DynamicQuantizeLinear takes float32 input only, so a float16 graph cannot feed it.
  incompatibleWith: ['fp16'],
  weightGroups: weightGroupsFor,
  needsCalibration: false,
  searchable: true,
  async apply(model, params) {
    const out = cloneModelShallow(model);
    const graph = out.graph;
    const uniqueName = uniqueNameFactory(graph);
    const targets = findMatMulWeights(graph, params);
    // Activations shared by several MatMuls (q/k/v, gate/up) are quantized once.
    const quantizedInputs = new Map<string, { q: string; scale: string; zeroPoint: string }>();
    const replacements = new Map<number, OnnxNode[]>();
    const removed = new Set<string>();
    let weightBytes = 0;

    for (const target of targets) {
      const weightName = target.weight.name ?? '';
      const input = target.node.input![0]!;
      const output = target.node.output![0]!;
      const base = target.node.name ?? weightName;
      const nodes: OnnxNode[] = [];

      let quantizedInput = quantizedInputs.get(input);
      if (!quantizedInput) {
        quantizedInput = { q: uniqueName(`${input}_quantized`), scale: uniqueName(`${input}_scale`), zeroPoint: uniqueName(`${input}_zero_point`) };
        nodes.push({
          input: [input],
          output: [quantizedInput.q, quantizedInput.scale, quantizedInput.zeroPoint],
          name: uniqueName(`${base}_DynamicQuantizeLinear`),
          opType: 'DynamicQuantizeLinear',
        });
        quantizedInputs.set(input, quantizedInput);
      }

      const q = quantizeInt8(float32Of(target.weight), target.k, target.n, params.weightType, params.perChannel);
      const elementType = params.weightType === 'int8' ? DataType.INT8 : DataType.UINT8;
      const scaleDims = params.perChannel ? [target.n] : [];
      const tensors = [
        makeTensor(uniqueName(`${weightName}_quantized`), elementType, [target.k, target.n], q.values),
        makeTensor(uniqueName(`${weightName}_scale`), DataType.FLOAT, scaleDims, q.scales),
        makeTensor(uniqueName(`${weightName}_zero_point`), elementType, scaleDims, q.zeroPoints),
      ] as const;
      graph.initializer.push(...tensors);
      removed.add(weightName);
      weightBytes += tensors.reduce((sum, t) => sum + (t.rawData?.byteLength ?? 0), 0);

      const integer = uniqueName(`${output}_MatMulInteger`);
      const asFloat = uniqueName(`${output}_cast`);
      const combinedScale = uniqueName(`${output}_combined_scale`);
      nodes.push(
        { input: [quantizedInput.q, tensors[0].name!, quantizedInput.zeroPoint, tensors[2].name!], output: [integer], name: uniqueName(`${base}_MatMulInteger`), opType: 'MatMulInteger' },
        { input: [integer], output: [asFloat], name: uniqueName(`${base}_Cast`), opType: 'Cast', attribute: [makeAttribute('to', DataType.FLOAT)] },
        { input: [quantizedInput.scale, tensors[1].name!], output: [combinedScale], name: uniqueName(`${base}_scale_Mul`), opType: 'Mul' },
        { input: [asFloat, combinedScale], output: [output], name: uniqueName(`${base}_output_Mul`), opType: 'Mul' },
      );
      replacements.set(target.nodeIndex, nodes);
    }

    applyNodeReplacements(graph, replacements, removed);

    return weightQuantizationResult({ model: out, targets, bytesAfter: weightBytes, notes: ['activations are quantized per tensor at run time by DynamicQuantizeLinear'], lmHead: params.lmHead });
  },
};
