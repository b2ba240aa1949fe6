import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../../onnx/model-io.js';
import { greedyGenerate } from '../../model-import/ort-harness.js';
import { loadCalibrationSet, subsetCalibration } from '../calibration/calibration-set.js';
import { collectActivations } from '../calibration/collect-activations.js';
import { float32Of } from './graph-edit.js';
import { outputError, quantizeGptq } from './gptq.js';
import { dequantizeInt4, quantizeRtn } from './int4-blocks.js';
import { int4Gptq } from './int4-gptq.js';
import { importStories260k, SHARED_DIR, testContext, type Stories260k } from './test-fixtures.js';

describe('int4-gptq on stories260K', () => {
  let stories: Stories260k;
  beforeAll(async () => {
    stories = await importStories260k();
  });

  function matMulInput(weightName: string): { input: string; k: number; n: number; weight: Float32Array } {
    const graph = stories.model.graph!;
    const node = graph.node!.find((n) => n.opType === 'MatMul' && n.input![1] === weightName)!;
    const tensor = graph.initializer!.find((t) => t.name === weightName)!;
    return { input: node.input![0]!, k: tensor.dims![0]!, n: tensor.dims![1]!, weight: float32Of(tensor) };
  }

  it('has a lower layer output error than RTN on calibration and held-out stories', async () => {
    const layers = ['model.layers.2.mlp.gate_proj.weight', 'model.layers.2.mlp.down_proj.weight', 'model.layers.4.self_attn.q_proj.weight'].map(matMulInput);
    const requests = layers.map((l) => ({ tensorName: l.input, statistic: 'gram' as const, features: l.k }));
    const calibration = await collectActivations(stories.model, requests, subsetCalibration(stories.calibration, 16));
    // Stories 201-216 are outside the calibration split, so this checks generalization.
    const heldOutSet = loadCalibrationSet({
      textPath: join(SHARED_DIR, 'data/tinystories/validation-first-1000.txt'),
      tokenizerDir: stories.dir,
      firstStory: 201,
      lastStory: 216,
      maxLength: 512,
      bosTokenId: 1,
    });
    const heldOut = await collectActivations(stories.model, requests, heldOutSet);

    for (const layer of layers) {
      const gram = calibration.get(layer.input)!.gram!;
      const rtn = dequantizeInt4(quantizeRtn(layer.weight, layer.k, layer.n, 32, true));
      const gptq = dequantizeInt4(quantizeGptq(layer.weight, layer.k, layer.n, gram, { blockSize: 32, symmetric: true, dampPercent: 0.01, actOrder: false }));
      expect(outputError(gram, layer.weight, gptq, layer.k, layer.n)).toBeLessThan(outputError(gram, layer.weight, rtn, layer.k, layer.n));
      const heldOutGram = heldOut.get(layer.input)!.gram!;
      expect(outputError(heldOutGram, layer.weight, gptq, layer.k, layer.n)).toBeLessThan(outputError(heldOutGram, layer.weight, rtn, layer.k, layer.n));
    }
  });

  it('produces a MatMulNBits model that tells the story', async () => {
    const params = { ...Object.fromEntries(Object.entries(int4Gptq.params).map(([k, v]) => [k, v.default])), calibrationSequences: 8 } as Parameters<typeof int4Gptq.apply>[1];
    const { model, stats } = await int4Gptq.apply(stories.model, params, testContext(undefined, stories.calibration));
    expect(stats.matmulsQuantized).toBe(35);
    expect(stats.calibrationSequences).toBe(8);
    expect(model.graph!.node!.filter((n) => n.opType === 'MatMulNBits')).toHaveLength(35);

    const session = await ort.InferenceSession.create(writeModel(model));
    const tokens = await greedyGenerate(session, stories.shape, stories.tokenizer.encode('Once upon a time').ids, 40);
    expect(stories.tokenizer.decode(tokens, { skip_special_tokens: true })).toMatch(/^Once upon a time, there was a little girl named Lily\./);
  });
});
