import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { tensorToFloat32 } from '../../onnx/tensor.js';
import { pruneMagnitude, zeroSmallest } from './prune-magnitude.js';
import { maxAbsDifference, referenceMatMul, runModel, seededValues, singleMatMulModel, testContext } from './test-fixtures.js';

describe('prune-magnitude', () => {
  it('zeroes the smallest magnitudes', () => {
    expect([...zeroSmallest(Float32Array.from([0.5, -0.1, 2, -3, 0.2]), 2)]).toEqual([0.5, 0, 2, -3, 0]);
  });

  it('reaches the requested sparsity without changing shapes, and says so', async () => {
    const k = 32;
    const n = 16;
    const weight = seededValues(k * n, 41);
    const { model, stats, notes } = await pruneMagnitude.apply(singleMatMulModel(k, n, weight), { weights: 'all', lmHead: false, sparsity: 0.5 }, testContext());

    const pruned = tensorToFloat32(model.graph!.initializer![0]!);
    expect(model.graph!.initializer![0]!.dims).toEqual([k, n]);
    expect(model.graph!.node!.map((node) => node.opType)).toEqual(['MatMul']);
    expect(stats.sparsity).toBe(0.5);
    expect(pruned.filter((v) => v === 0)).toHaveLength((k * n) / 2);
    const threshold = Math.min(...[...pruned].filter((v) => v !== 0).map(Math.abs));
    for (let i = 0; i < weight.length; i++) if (pruned[i] === 0) expect(Math.abs(weight[i]!)).toBeLessThanOrEqual(threshold);
    expect(notes.join(' ')).toMatch(/compute are unchanged/);

    const x = seededValues(3 * k, 43);
    const y = (await runModel(model, { x: new ort.Tensor('float32', x, [1, 3, k]) })).y!.data as Float32Array;
    expect(maxAbsDifference(y, referenceMatMul(x, pruned, 3, k, n))).toBeLessThan(1e-5);
  });
});
