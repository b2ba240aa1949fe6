import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType } from '../../onnx/types.js';
import { int8Dynamic } from './int8-dynamic.js';
import { int8Qdq } from './int8-qdq.js';
import { dequantizeInt8, quantizeInt8 } from './int8-weights.js';
import { maxAbsDifference, referenceMatMul, runModel, seededValues, singleMatMulModel, testContext } from './test-fixtures.js';

const K = 48;
const N = 20;
const ROWS = 5;

describe('quantizeInt8', () => {
  it('bounds the rounding error by half a step per column', () => {
    const weight = seededValues(K * N, 21);
    for (const type of ['int8', 'uint8'] as const) {
      const q = quantizeInt8(weight, K, N, type, true);
      const restored = dequantizeInt8(q, K, N);
      for (let i = 0; i < weight.length; i++) expect(Math.abs(restored[i]! - weight[i]!)).toBeLessThanOrEqual(q.scales[i % N]! / 2 + 1e-7);
    }
  });

  it('keeps int8 symmetric with zero points of 0', () => {
    const q = quantizeInt8(seededValues(K * N, 2), K, N, 'int8', false);
    expect(q.scales).toHaveLength(1);
    expect([...q.zeroPoints]).toEqual([0]);
    expect(Math.min(...q.values)).toBeGreaterThanOrEqual(-127);
  });
});

describe('int8-dynamic', () => {
  for (const [weightType, perChannel] of [
    ['int8', true],
    ['uint8', true],
    ['int8', false],
  ] as const) {
    it(`builds DynamicQuantizeLinear + MatMulInteger (${weightType}, per ${perChannel ? 'column' : 'tensor'})`, async () => {
      const weight = seededValues(K * N, 13);
      const { model, stats } = await int8Dynamic.apply(singleMatMulModel(K, N, weight), { weights: 'all', lmHead: false, weightType, perChannel }, testContext());

      expect(model.graph!.node!.map((n) => n.opType)).toEqual(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul']);
      const initializers = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
      const matMulInteger = model.graph!.node![1]!;
      const weightTensor = initializers.get(matMulInteger.input![1]!)!;
      expect(weightTensor.dataType).toBe(weightType === 'int8' ? DataType.INT8 : DataType.UINT8);
      expect(weightTensor.dims).toEqual([K, N]);
      expect(initializers.get(matMulInteger.input![3]!)!.dims).toEqual(perChannel ? [N] : []);
      expect(stats.weightsQuantized).toBe(K * N);

      const x = seededValues(ROWS * K, 17);
      const y = (await runModel(model, { x: new ort.Tensor('float32', x, [1, ROWS, K]) })).y!.data as Float32Array;
      const exact = referenceMatMul(x, weight, ROWS, K, N);
      // Activation steps are 2/255 and weight steps at most 2/255 (|x|, |w| < 1): each of the K
      // products errs by under 2 · (1/255), so the sum stays below K · 2/255.
      expect(maxAbsDifference(y, exact)).toBeLessThan((K * 2) / 255);
      expect(maxAbsDifference(y, exact)).toBeGreaterThan(0);
    });
  }
});

describe('int8-qdq', () => {
  it('feeds each MatMul from DequantizeLinear on int8 weights with axis 1', async () => {
    const weight = seededValues(K * N, 19);
    const { model } = await int8Qdq.apply(singleMatMulModel(K, N, weight), { weights: 'all', lmHead: false }, testContext());

    const [dequantize, matMul] = model.graph!.node!;
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['DequantizeLinear', 'MatMul']);
    expect(dequantize!.attribute).toEqual([expect.objectContaining({ name: 'axis', i: 1 })]);
    expect(matMul!.input![1]).toBe(dequantize!.output![0]);
    const initializers = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
    expect(initializers.get(dequantize!.input![0]!)!.dataType).toBe(DataType.INT8);
    expect(initializers.get(dequantize!.input![1]!)!.dims).toEqual([N]);

    const x = seededValues(ROWS * K, 23);
    const feeds = { x: new ort.Tensor('float32', x, [1, ROWS, K]) };
    const q = quantizeInt8(weight, K, N, 'int8', true);
    const unoptimized = (await runModel(model, feeds, { graphOptimizationLevel: 'disabled' })).y!.data as Float32Array;
    expect(maxAbsDifference(unoptimized, referenceMatMul(x, dequantizeInt8(q, K, N), ROWS, K, N))).toBeLessThan(1e-4);

    // onnxruntime's default optimizations fuse the pair into an 8-bit MatMulNBits that also
    // quantizes x to int8, so only the bound for quantized weights and activations holds.
    const optimized = (await runModel(model, feeds)).y!.data as Float32Array;
    expect(maxAbsDifference(optimized, referenceMatMul(x, weight, ROWS, K, N))).toBeLessThan((K * 2) / 254);
  });

  it('only quantizes the selected group', async () => {
    const model = singleMatMulModel(K, N, seededValues(K * N, 1), 'model.layers.0.self_attn.q_proj.weight');
    const { model: mlpOnly } = await int8Qdq.apply(model, { weights: 'mlp', lmHead: false }, testContext());
    expect(mlpOnly.graph!.node!.map((n) => n.opType)).toEqual(['MatMul']);
    const { model: attention } = await int8Qdq.apply(model, { weights: 'attention', lmHead: false }, testContext());
    expect(attention.graph!.node!.map((n) => n.opType)).toEqual(['DequantizeLinear', 'MatMul']);
  });
});
