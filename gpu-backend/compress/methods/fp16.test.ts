import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../onnx/builder.js';
import { DataType, type OnnxModel, type OnnxNode } from '../../onnx/types.js';
import { fp16, type Fp16Params } from './fp16.js';
import { FLOAT16_MAX, fromFloat16Bits, toFloat16Bits } from './float16.js';
import { maxAbsDifference, runModel, seededValues, testContext } from './test-fixtures.js';

const D = 16;
const V = 12;
const S = 5;

/** RMSNorm → MatMul → Softmax, plus a rotary-style angle path from int64 positions. */
function normMatMulSoftmaxModel(): OnnxModel {
  const b = new GraphBuilder();
  const x = b.input('x', DataType.FLOAT, [1, S, D]);
  const positions = b.input('position_ids', DataType.INT64, [1, S]);
  const normWeight = b.addFloatInitializer('model.norm.weight', [D], seededValues(D, 1).map((v) => 1 + v / 4));
  const w = b.addFloatInitializer('lm_head.weight', [D, V], seededValues(D * V, 2));
  const squared = b.op('Mul', [x, x]);
  const mean = b.op('ReduceMean', [squared, b.constInt64([-1])], { keepdims: 1 });
  const root = b.op('Sqrt', [b.op('Add', [mean, b.constFloat([1e-5], [], 'eps')])]);
  const normed = b.op('Mul', [b.op('Mul', [x, b.op('Reciprocal', [root])]), normWeight]);
  b.op('Softmax', [b.op('MatMul', [normed, w])], { axis: -1 }, { output: 'probs' });
  b.scope('model/rotary_emb', () => {
    const angle = b.op('Mul', [b.op('Cast', [positions], { to: DataType.FLOAT }), b.constFloat([0.37], [], 'inv_freq')]);
    b.op('Cos', [angle], {}, { output: 'cos' });
  });
  b.output('probs', DataType.FLOAT, [1, S, V]);
  b.output('cos', DataType.FLOAT, [1, S]);
  return b.buildModel({ opsetVersion: 21 });
}

const DEFAULTS: Fp16Params = { keepFloat32Ops: fp16.params.keepFloat32Ops.default, keepFloat32NodeNames: fp16.params.keepFloat32NodeNames.default };

function producerOf(model: OnnxModel, name: string): OnnxNode | undefined {
  return model.graph!.node!.find((n) => n.output?.includes(name));
}

describe('float16 bits', () => {
  it('converts exact values and rounds to nearest even', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway, to even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, to even (up)
    expect(fromFloat16Bits(toFloat16Bits(0.1))).toBeCloseTo(0.1, 4);
  });

  it('clamps finite values beyond the float16 range', () => {
    expect(fromFloat16Bits(toFloat16Bits(-3.4e38))).toBe(-FLOAT16_MAX);
    expect(fromFloat16Bits(toFloat16Bits(Number.POSITIVE_INFINITY))).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('fp16', () => {
  it('keeps float32 at the graph boundary and on the keep-list', async () => {
    const model = normMatMulSoftmaxModel();
    const { model: converted, stats } = await fp16.apply(model, DEFAULTS, testContext());
    const graph = converted.graph!;
    const initializers = new Map(graph.initializer!.map((t) => [t.name, t]));

    expect(graph.input!.map((i) => i.type!.tensorType!.elemType)).toEqual([DataType.FLOAT, DataType.INT64]);
    expect(graph.output!.map((o) => o.type!.tensorType!.elemType)).toEqual([DataType.FLOAT, DataType.FLOAT]);
    expect(initializers.get('lm_head.weight')!.dataType).toBe(DataType.FLOAT16);
    expect(initializers.get('model.norm.weight')!.dataType).toBe(DataType.FLOAT16);
    // Read only by the kept rotary Mul, so it stays float32.
    expect(initializers.get('const_f32_inv_freq')!.dataType).toBe(DataType.FLOAT);
    expect(stats.initializersConverted).toBe(3);

    for (const op of ['ReduceMean', 'Softmax', 'Sqrt']) {
      const node = graph.node!.find((n) => n.opType === op)!;
      const feeder = producerOf(converted, node.input![0]!)!;
      const isFloat32Input = (feeder.opType === 'Cast' && Number(feeder.attribute![0]!.i) === DataType.FLOAT) || feeder.opType !== 'Cast';
      expect(isFloat32Input, op).toBe(true);
    }
    const reduceInput = producerOf(converted, graph.node!.find((n) => n.opType === 'ReduceMean')!.input![0]!)!;
    expect(reduceInput.opType).toBe('Cast');
    const matMul = graph.node!.find((n) => n.opType === 'MatMul')!;
    expect(producerOf(converted, matMul.input![0]!)!.opType).toBe('Mul');
    const positionCast = graph.node!.find((n) => n.opType === 'Cast' && n.input![0] === 'position_ids')!;
    expect(Number(positionCast.attribute![0]!.i)).toBe(DataType.FLOAT);
    // Softmax is kept float32, so its output reaches the graph output without a Cast.
    expect(producerOf(converted, 'probs')!.opType).toBe('Softmax');

    const x = seededValues(S * D, 9).map((v) => v * 3);
    const feeds = { x: new ort.Tensor('float32', x, [1, S, D]), position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(i * 100)), [1, S]) };
    const expected = await runModel(model, feeds);
    const actual = await runModel(converted, feeds);
    expect(maxAbsDifference(actual.probs!.data as Float32Array, expected.probs!.data as Float32Array)).toBeLessThan(5e-3);
    // Angles up to 148 rad stay float32, so cos matches exactly.
    expect(maxAbsDifference(actual.cos!.data as Float32Array, expected.cos!.data as Float32Array)).toBeLessThan(1e-6);
  });

  it('converts every float op when the keep-lists are empty', async () => {
    const { model: converted } = await fp16.apply(normMatMulSoftmaxModel(), { keepFloat32Ops: [], keepFloat32NodeNames: [] }, testContext());
    const reduce = converted.graph!.node!.find((n) => n.opType === 'ReduceMean')!;
    expect(producerOf(converted, reduce.input![0]!)!.opType).toBe('Mul');
    const positionCast = converted.graph!.node!.find((n) => n.opType === 'Cast' && n.input![0] === 'position_ids')!;
    expect(Number(positionCast.attribute![0]!.i)).toBe(DataType.FLOAT16);
    const out = await runModel(converted, {
      x: new ort.Tensor('float32', seededValues(S * D, 9), [1, S, D]),
      position_ids: new ort.Tensor('int64', new BigInt64Array(S), [1, S]),
    });
    expect(out.probs!.type).toBe('float32');
  });
});
