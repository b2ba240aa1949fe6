import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../onnx/builder.js';
import { DataType } from '../../onnx/types.js';
import { ortOptimize } from './ort-optimize.js';
import { maxAbsDifference, runModel, seededValues, testContext } from './test-fixtures.js';

/** MatMul followed by Add of a constant expression that basic optimization folds. */
function foldableModel() {
  const b = new GraphBuilder();
  const x = b.input('x', DataType.FLOAT, [2, 8]);
  const w = b.addFloatInitializer('w', [8, 4], seededValues(32, 51));
  const bias = b.op('Mul', [b.constFloat([1, 2, 3, 4], [4], 'a'), b.constFloat([0.5, 0.5, 0.5, 0.5], [4], 'b')]);
  b.op('Add', [b.op('MatMul', [x, w]), bias], {}, { output: 'y' });
  b.output('y', DataType.FLOAT, [2, 4]);
  return b.buildModel({ opsetVersion: 21 });
}

describe('ort-optimize', () => {
  it('writes the optimized graph for the provider and reads it back', async () => {
    const context = testContext();
    const model = foldableModel();
    const { model: optimized, stats } = await ortOptimize.apply(model, { level: 'basic' }, context);

    expect(existsSync(join(context.workDir, 'ort-optimize', 'optimized-cpu-basic.onnx'))).toBe(true);
    expect(stats.nodesBefore).toBe(3);
    // The constant Mul is folded away.
    expect(optimized.graph!.node!.map((n) => n.opType)).not.toContain('Mul');
    expect(stats.nodesAfter).toBeLessThan(stats.nodesBefore!);

    const feeds = { x: new ort.Tensor('float32', seededValues(16, 53), [2, 8]) };
    const before = (await runModel(model, feeds)).y!.data as Float32Array;
    const after = (await runModel(optimized, feeds)).y!.data as Float32Array;
    expect(maxAbsDifference(before, after)).toBeLessThan(1e-6);
  });

  it('fails clearly when the provider is not available', async () => {
    const backends = ort.listSupportedBackends().map((b) => b.name);
    if (backends.includes('cuda')) return; // a CUDA build would succeed here
    await expect(ortOptimize.apply(foldableModel(), { level: 'basic' }, { ...testContext(), executionProvider: 'cuda' })).rejects.toThrow();
  });
});
