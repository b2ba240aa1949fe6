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
import { DataType, type OnnxNode } from '../../onnx/types.js';
import type { BooleanParam, CompressionMethod, EnumParam } from '../method.js';
import { rewriteInt8MatMuls } from './int8-matmul-rewrite.js';
import type { Int8WeightType } from './int8-weights.js';
import { LM_HEAD_PARAM, WEIGHTS_PARAM, weightGroupsFor, weightQuantizationResult, type WeightTargetParams } from './matmul-weights.js';

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
    // Activations shared by several MatMuls (q/k/v, gate/up) are quantized once.
    const quantizedInputs = new Map<string, { q: string; scale: string; zeroPoint: string }>();

    const rewrite = rewriteInt8MatMuls(model, params, params, (target, [values, scale, zeroPoint], uniqueName) => {
      const input = target.node.input![0]!;
      const output = target.node.output![0]!;
      const base = target.node.name ?? target.weight.name ?? '';
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

      const integer = uniqueName(`${output}_MatMulInteger`);
      const asFloat = uniqueName(`${output}_cast`);
      const combinedScale = uniqueName(`${output}_combined_scale`);
      nodes.push(
        { input: [quantizedInput.q, values.name!, quantizedInput.zeroPoint, zeroPoint.name!], output: [integer], name: uniqueName(`${base}_MatMulInteger`), opType: 'MatMulInteger' },
        { input: [integer], output: [asFloat], name: uniqueName(`${base}_Cast`), opType: 'Cast', attribute: [makeAttribute('to', DataType.FLOAT)] },
        { input: [quantizedInput.scale, scale.name!], output: [combinedScale], name: uniqueName(`${base}_scale_Mul`), opType: 'Mul' },
        { input: [asFloat, combinedScale], output: [output], name: uniqueName(`${base}_output_Mul`), opType: 'Mul' },
      );
      return nodes;
    });

    return weightQuantizationResult({ model: rewrite.model, targets: rewrite.targets, bytesAfter: rewrite.weightBytes, notes: ['activations are quantized per tensor at run time by DynamicQuantizeLinear'], lmHead: params.lmHead });
  },
};
