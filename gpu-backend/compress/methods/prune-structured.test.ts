import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../../onnx/model-io.js';
import { greedyGenerate } from '../../model-import/ort-harness.js';
import { keepColumns, keepRows, pruneStructured, refitRows, topIndices } from './prune-structured.js';
import { importStories260k, testContext, type Stories260k } from './test-fixtures.js';

describe('structured pruning helpers', () => {
  it('keeps the highest scores in index order', () => {
    expect(topIndices([0.5, 3, 1, 3, 0], 3)).toEqual([1, 2, 3]);
  });

  it('slices rows and columns', () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
    expect([...keepColumns(m, 2, 3, [0, 2])]).toEqual([1, 3, 4, 6]);
    expect([...keepRows(m, 3, [1])]).toEqual([4, 5, 6]);
  });
});

describe('prune-structured on stories260K', () => {
  let stories: Stories260k;
  beforeAll(async () => {
    stories = await importStories260k();
  });

  it('shrinks feed-forward and attention matrices and still runs', async () => {
    const { model, stats, notes } = await pruneStructured.apply(
      stories.model,
      { ffnRatio: 0.25, headGroupRatio: 0.25, ffnMultipleOf: 1, calibrationSequences: 16, refit: true },
      testContext(undefined, stories.calibration),
    );
    const dims = new Map(model.graph!.initializer!.map((t) => [t.name, t.dims]));
    // hidden 172 → 129 neurons; 4 KV groups of 2 query heads (head_dim 8) → 3 groups, 6 heads.
    expect(stats.intermediateSize).toBe(129);
    expect(stats.numKvHeads).toBe(3);
    expect(stats.numHeads).toBe(6);
    for (let layer = 0; layer < 5; layer++) {
      expect(dims.get(`model.layers.${layer}.mlp.gate_proj.weight`)).toEqual([64, 129]);
      expect(dims.get(`model.layers.${layer}.mlp.up_proj.weight`)).toEqual([64, 129]);
      expect(dims.get(`model.layers.${layer}.mlp.down_proj.weight`)).toEqual([129, 64]);
      expect(dims.get(`model.layers.${layer}.self_attn.q_proj.weight`)).toEqual([64, 48]);
      expect(dims.get(`model.layers.${layer}.self_attn.k_proj.weight`)).toEqual([64, 24]);
      expect(dims.get(`model.layers.${layer}.self_attn.v_proj.weight`)).toEqual([64, 24]);
      expect(dims.get(`model.layers.${layer}.self_attn.o_proj.weight`)).toEqual([48, 64]);
    }
    expect(model.graph!.input!.find((i) => i.name === 'past_key_values.0.key')!.type!.tensorType!.shape!.dim![1]!.dimValue).toBe(3);
    expect(stats.parametersAfter).toBeLessThan(stats.parametersBefore!);
    // Removed: 5 layers × (3 · 64 · 43 FFN weights + 64 · (16 + 8 + 8) + 16 · 64 attention weights).
    expect(stats.parametersBefore! - stats.parametersAfter!).toBe(5 * (3 * 64 * 43 + 64 * 32 + 16 * 64));
    expect(notes.join(' ')).toMatch(/config\.json/);
    // The input model is unchanged.
    expect(stories.model.graph!.initializer!.find((t) => t.name === 'model.layers.0.mlp.gate_proj.weight')!.dims).toEqual([64, 172]);

    const session = await ort.InferenceSession.create(writeModel(model));
    const prompt = stories.tokenizer.encode('Once upon a time').ids;
    const tokens = await greedyGenerate(session, { ...stories.shape, numKvHeads: 3 }, prompt, 40);
    expect(tokens.length).toBeGreaterThan(prompt.length + 20);
    expect(stories.tokenizer.decode(tokens, { skip_special_tokens: true })).toMatch(/^Once upon a time/);
  });

  it('prunes only neurons when headGroupRatio is 0', async () => {
    const { model, stats } = await pruneStructured.apply(
      stories.model,
      { ffnRatio: 0.5, headGroupRatio: 0, ffnMultipleOf: 8, calibrationSequences: 4, refit: false },
      testContext(undefined, stories.calibration),
    );
    expect(stats.intermediateSize).toBe(88); // round(172 / 2) = 86, up to a multiple of 8
    expect(stats.numKvHeads).toBeUndefined();
    const session = await ort.InferenceSession.create(writeModel(model));
    expect((await greedyGenerate(session, stories.shape, [1], 8)).length).toBeGreaterThan(1);
  });
});

describe('refitRows', () => {
  it('recovers a duplicated dropped feature', () => {
    // x = [a, b, a]: feature 2 duplicates feature 0, so dropping it loses nothing after a refit.
    const rows = [
      [1, 2, 1],
      [0.5, -1, 0.5],
      [-2, 0.3, -2],
      [1.5, 1, 1.5],
    ];
    const gram = new Float64Array(9);
    for (const x of rows) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) gram[i * 3 + j]! += x[i]! * x[j]!;
    const weight = Float32Array.from([1, 0, 0, 1, 2, -1]); // [3, 2]
    const refitted = refitRows(gram, 3, weight, 2, [0, 1]);
    // Exact solution: feature 2's row is added to feature 0's row. Damping (1% of the mean
    // diagonal) shrinks it slightly.
    [3, -1, 0, 1].forEach((expected, i) => expect(Math.abs(refitted[i]! - expected)).toBeLessThan(0.1));

    let refitError = 0;
    let sliceError = 0;
    for (const x of rows) {
      const full = [x[0]! + 2 * x[2]!, x[1]! - x[2]!];
      const refit = [x[0]! * refitted[0]! + x[1]! * refitted[2]!, x[0]! * refitted[1]! + x[1]! * refitted[3]!];
      const sliced = [x[0]!, x[1]!];
      for (let c = 0; c < 2; c++) {
        refitError += (full[c]! - refit[c]!) ** 2;
        sliceError += (full[c]! - sliced[c]!) ** 2;
      }
    }
    expect(refitError).toBeLessThan(sliceError / 100);
  });
});
