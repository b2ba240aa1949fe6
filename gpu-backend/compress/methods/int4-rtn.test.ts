import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { tensorToFloat32 } from '../../onnx/tensor.js';
import { DataType } from '../../onnx/types.js';
import { blockCount, dequantizeInt4, quantizeRtn } from './int4-blocks.js';
import { int4Rtn, type Int4Params } from './int4-rtn.js';
import { maxAbsDifference, referenceMatMul, runModel, seededValues, singleMatMulModel, testContext } from './test-fixtures.js';

const K = 40; // not a multiple of the block size, so the last block is padded
const N = 24;
const ROWS = 6;

function params(overrides: Partial<Int4Params> = {}): Int4Params {
  return { weights: 'all', lmHead: false, blockSize: 16, symmetric: true, accuracyLevel: 0, ...overrides };
}

describe('int4-rtn', () => {
  for (const symmetric of [true, false]) {
    it(`rewrites MatMul to MatMulNBits (${symmetric ? 'symmetric' : 'asymmetric'})`, async () => {
      const weight = seededValues(K * N, 7);
      const model = singleMatMulModel(K, N, weight);
      const { model: quantized, stats } = await int4Rtn.apply(model, params({ symmetric }), testContext());

      const nodes = quantized.graph!.node!;
      expect(nodes.map((n) => n.opType)).toEqual(['MatMulNBits']);
      expect(nodes[0]!.domain).toBe('com.microsoft');
      const attributes = Object.fromEntries(nodes[0]!.attribute!.map((a) => [a.name, Number(a.i)]));
      expect(attributes).toEqual({ K, N, bits: 4, block_size: 16, accuracy_level: 0 });
      expect(quantized.opsetImport).toContainEqual({ domain: 'com.microsoft', version: 1 });

      const initializers = new Map(quantized.graph!.initializer!.map((t) => [t.name, t]));
      const b = initializers.get(nodes[0]!.input![1]!)!;
      expect(b.dataType).toBe(DataType.UINT8);
      expect(b.dims).toEqual([N, blockCount(K, 16), 8]);
      expect(initializers.get(nodes[0]!.input![2]!)!.dims).toEqual([N * 3]);
      expect(nodes[0]!.input!.length).toBe(symmetric ? 3 : 4);
      if (!symmetric) expect(initializers.get(nodes[0]!.input![3]!)!.dims).toEqual([N * 2]);
      expect(initializers.has('model.layers.0.mlp.up_proj.weight')).toBe(false);
      expect(stats.weightsQuantized).toBe(K * N);

      // onnxruntime must compute x · dequantize(W) with the codes and scales we wrote.
      const x = seededValues(ROWS * K, 11);
      const out = await runModel(quantized, { x: new ort.Tensor('float32', x, [1, ROWS, K]) });
      const y = out.y!.data as Float32Array;
      const expected = referenceMatMul(x, dequantizeInt4(quantizeRtn(weight, K, N, 16, symmetric)), ROWS, K, N);
      expect(maxAbsDifference(y, expected)).toBeLessThan(1e-4);

      // Against the float weights, each product's error is bounded by Σ|x|·scale/2 ≤ K·(1/15)·1.
      const exact = referenceMatMul(x, weight, ROWS, K, N);
      expect(maxAbsDifference(y, exact)).toBeLessThan(K * (1 / 15));
      expect(maxAbsDifference(y, exact)).toBeGreaterThan(0);
    });
  }

  it('leaves the lm_head in float32 by default', async () => {
    const model = singleMatMulModel(32, 8, seededValues(256, 3), 'lm_head.weight');
    const { model: unchanged } = await int4Rtn.apply(model, params(), testContext());
    expect(unchanged.graph!.node!.map((n) => n.opType)).toEqual(['MatMul']);
    const { model: quantized } = await int4Rtn.apply(model, params({ lmHead: true }), testContext());
    expect(quantized.graph!.node!.map((n) => n.opType)).toEqual(['MatMulNBits']);
  });

  it('does not modify its input model', async () => {
    const weight = seededValues(32 * 8, 5);
    const model = singleMatMulModel(32, 8, weight);
    await int4Rtn.apply(model, params(), testContext());
    expect(model.graph!.node![0]!.opType).toBe('MatMul');
    expect(tensorToFloat32(model.graph!.initializer![0]!)).toEqual(weight);
  });
});
