import { statSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../src/log/logger.js';
import { loadModel, saveModel } from '../../onnx/model-io.js';
import { applyRecipe } from '../recipe.js';
import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';
import { decoderShapeOf } from './evaluate-variants.js';
import { fileBytesOnDisk, matmulWeightSize } from './model-size.js';
import { measurePerformance } from './performance.js';
import { parseProcStatus } from './process-memory.js';

let models: TemporaryModels;

beforeAll(async () => {
  models = await createTemporaryModels();
});

afterAll(async () => {
  await models.remove();
});

describe('measurePerformance', () => {
  it('measures latency and peak memory in a child process', async () => {
    const folder = await models.folder('stories260K');
    const result = await measurePerformance(
      {
        onnxPath: folder.onnxPath,
        shape: decoderShapeOf(folder.config),
        executionProvider: 'cpu',
        intraOpNumThreads: 1,
        batchSizes: [1, 8],
        latency: { promptTokens: 8, decodeSteps: 3, warmupRuns: 1, measuredRuns: 2 },
      },
      60_000,
    );

    expect(result.latency.map((entry) => entry.batchSize)).toEqual([1, 8]);
    expect(result.latency[0]!.prefill.samples).toBe(2);
    expect(result.latency[0]!.decode.samples).toBe(6);
    expect(result.latency[1]!.decodeTokensPerSecond).toBeGreaterThan(0);
    expect(result.peakRssBytes).toBeGreaterThanOrEqual(result.rssBeforeLoadBytes);
  }, 60_000);

  it('reports a model that fails to load', async () => {
    const folder = await models.folder('stories260K');
    const request = {
      onnxPath: path.join(folder.dir, 'missing.onnx'),
      shape: decoderShapeOf(folder.config),
      executionProvider: 'cpu' as const,
      batchSizes: [1],
      latency: { promptTokens: 4, decodeSteps: 1, warmupRuns: 0, measuredRuns: 1 },
    };
    await expect(measurePerformance(request, 60_000)).rejects.toThrow(/performance measurement of .*missing\.onnx failed/);
  }, 60_000);
});

describe('model size', () => {
  it('counts float32 MatMul weights at 32 bits', async () => {
    const folder = await models.folder('stories260K');
    const size = matmulWeightSize(loadModel(folder.onnxPath));
    // 5 layers of q, k, v, o, gate, up, down plus the lm_head: 5·(64·64·2 + 64·32·2 + 3·64·172) + 64·512.
    expect(size.weights).toBe(5 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 172) + 64 * 512);
    expect(size.bitsPerWeight).toBe(32);
    expect(fileBytesOnDisk(folder.onnxPath)).toBe(statSync(folder.onnxPath).size);
  });

  it('counts MatMulNBits storage after 4-bit quantization', async () => {
    const folder = await models.folder('stories260K');
    const base = loadModel(folder.onnxPath);
    const { model } = await applyRecipe(base, { name: 'q4', steps: [{ method: 'int4-rtn', params: { blockSize: 32, lmHead: true } }] }, {
      logger: silentLogger,
      executionProvider: 'cpu',
      workDir: models.parent,
    });
    const size = matmulWeightSize(model);
    expect(size.weights).toBe(matmulWeightSize(base).weights);
    // 4 bits per weight plus one float32 scale per block of 32; down_proj's K = 172 pads to 192.
    expect(size.bitsPerWeight).toBeGreaterThanOrEqual(5);
    expect(size.bitsPerWeight).toBeLessThan(5.2);

    const file = path.join(models.parent, 'q4-size.onnx');
    saveModel(model, file);
    expect(fileBytesOnDisk(file)).toBeLessThan(fileBytesOnDisk(folder.onnxPath));
  });
});

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseProcStatus('Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n')).toEqual({ rssBytes: 1024 * 1024, peakRssBytes: 2048 * 1024 });
  });
});
