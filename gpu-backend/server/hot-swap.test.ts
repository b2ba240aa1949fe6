import { copyFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/log/logger.js';
import { loadBatchDecoder } from '../runtime/batch-decoder.js';
import type { BatchEngine } from '../runtime/batch-engine.js';
import type { ChoiceRequest } from '../runtime/generation.js';
import { loadEngine, type LoadedEngine } from '../runtime/load-engine.js';
import { BackendMetrics } from '../runtime/metrics/backend-metrics.js';
import { DEPLOYMENT_FILE, DeploymentWatcher, resolveActiveModel } from '../runtime/model-deployment.js';
import { importStoriesModel, type ImportedModel } from '../runtime/testing/stories-model.js';
import { createBackendApp } from './app.js';

let model: ImportedModel;
let loaded: LoadedEngine;
let engine: BatchEngine;
let metrics: BackendMetrics;

beforeAll(async () => {
  model = await importStoriesModel();
  metrics = new BackendMetrics();
  loaded = await loadEngine({ modelDir: model.dir, executionProvider: 'cpu', intraOpNumThreads: 1, maxQueue: 8, logger: silentLogger, metrics });
  engine = loaded.engine;
});

afterAll(async () => {
  await engine.close();
  await model.remove();
});

const onnx = (name: string): string => path.join(model.dir, 'onnx', name);

/** Writes deployment.json as the deploy command does: a temporary file renamed into place. */
async function deploy(active: string): Promise<void> {
  const temporary = path.join(model.dir, `${DEPLOYMENT_FILE}.tmp`);
  const body = { active, previous: 'onnx/model.onnx', recipe: 'test', promotedAt: new Date().toISOString() };
  await writeFile(temporary, JSON.stringify(body));
  await rename(temporary, path.join(model.dir, DEPLOYMENT_FILE));
}

function greedy(text: string, maxTokens: number): ChoiceRequest {
  return { promptTokenIds: engine.encodePrompt(text), maxTokens, temperature: 0, topP: 1, seed: 1, stop: [] };
}

async function textOf(events: AsyncIterable<{ type: string; text?: string }>): Promise<string> {
  let text = '';
  for await (const event of events) if (event.type === 'delta') text += event.text;
  return text;
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('model hot swap', () => {
  it('finishes in-flight sequences on the old model', async () => {
    await copyFile(onnx('model.onnx'), onnx('model_copy.onnx'));
    const expected = await textOf(engine.generate({ choices: [greedy('Once upon a time', 300)] }, new AbortController().signal));
    const next = await loadBatchDecoder(onnx('model_copy.onnx'), loaded.folder.config, { executionProvider: 'cpu', intraOpNumThreads: 1 });

    const inFlight = engine.generate({ choices: [greedy('Once upon a time', 300)] }, new AbortController().signal)[Symbol.asyncIterator]();
    // `started` comes with the first token, so the request has been prefilled on the old model.
    const started = await inFlight.next();
    expect(started.value?.type).toBe('started');
    engine.swapModel(next);
    expect(engine.loadedModels()).toEqual([onnx('model.onnx'), onnx('model_copy.onnx')]);
    expect(engine.activeOnnxPath).toBe(onnx('model_copy.onnx'));

    const afterSwap = textOf(engine.generate({ choices: [greedy('Once upon a time', 300)] }, new AbortController().signal));
    let rest = '';
    for (let event = await inFlight.next(); !event.done; event = await inFlight.next()) if (event.value.type === 'delta') rest += event.value.text;
    expect(rest).toBe(expected);
    expect(await afterSwap).toBe(expected);

    await waitUntil(() => engine.loadedModels().length === 1);
    expect(engine.loadedModels()).toEqual([onnx('model_copy.onnx')]);
  });

  it('follows deployment.json and reports the active file', async () => {
    const watcher = new DeploymentWatcher({
      dir: model.dir,
      intervalMs: 20,
      reload: loaded.swapModel,
      currentOnnxPath: () => engine.activeOnnxPath,
      logger: silentLogger,
    });
    await watcher.start();
    const app = createBackendApp({ engine, modelId: 'stories260K', logger: silentLogger, requestTimeoutMs: 10_000, metrics });

    try {
      await copyFile(onnx('model.onnx'), onnx('model_q4.onnx'));
      await deploy('onnx/model_q4.onnx');
      await waitUntil(() => engine.activeOnnxPath === onnx('model_q4.onnx'));
      const health = (await (await app.request('/health')).json()) as { active_model_file: string };
      expect(health.active_model_file).toBe(onnx('model_q4.onnx'));

      // A file that is not an ONNX model fails to load; the current model keeps serving.
      const failuresBefore = metrics.modelSwaps.get({ result: 'failed' });
      await writeFile(onnx('model_bad.onnx'), 'not an onnx model');
      await deploy('onnx/model_bad.onnx');
      await waitUntil(() => metrics.modelSwaps.get({ result: 'failed' }) > failuresBefore);
      expect(engine.activeOnnxPath).toBe(onnx('model_q4.onnx'));

      const response = await app.request('/v1/completions', { method: 'POST', body: JSON.stringify({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 5 }) });
      expect(response.status).toBe(200);
    } finally {
      watcher.stop();
    }
  });

  it('falls back to model.onnx when the active file is missing', async () => {
    await deploy('onnx/missing.onnx');
    expect(await resolveActiveModel(model.dir)).toEqual({ onnxPath: onnx('model.onnx'), source: 'default' });
  });
});
