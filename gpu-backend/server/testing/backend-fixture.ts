/**
 * A backend app over the real stories260K model, imported into a temporary folder, for HTTP
 * tests that call the app in-process with `app.request`.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { silentLogger, type Logger } from '../../../src/log/logger.js';
import { loadEngine } from '../../runtime/load-engine.js';
import type { BatchEngine } from '../../runtime/batch-engine.js';
import { BackendMetrics } from '../../runtime/metrics/backend-metrics.js';
import { importStoriesModel, STORIES_DIR, type ImportedModel } from '../../runtime/testing/stories-model.js';
import { createBackendApp } from '../app.js';

export const MODEL_ID = 'stories260K';

export interface BackendFixture {
  engine: BatchEngine;
  metrics: BackendMetrics;
  modelDir: string;
  app: ReturnType<typeof createBackendApp>;
  /** Sends a JSON POST to the app and returns the response. */
  post(route: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface BackendFixtureOptions {
  maxQueue?: number;
  maxBatchSize?: number;
  maxTokensPerStep?: number;
  requestTimeoutMs?: number;
  logger?: Logger;
}

export async function createBackendFixture(options: BackendFixtureOptions = {}): Promise<BackendFixture> {
  const model: ImportedModel = await importStoriesModel();
  const logger = options.logger ?? silentLogger;
  const metrics = new BackendMetrics();
  const { engine } = await loadEngine({
    modelDir: model.dir,
    executionProvider: 'cpu',
    intraOpNumThreads: 1,
    maxQueue: options.maxQueue ?? 4,
    maxBatchSize: options.maxBatchSize,
    maxTokensPerStep: options.maxTokensPerStep,
    logger,
    metrics,
  });
  const app = createBackendApp({ engine, modelId: MODEL_ID, logger, metrics, requestTimeoutMs: options.requestTimeoutMs ?? 60_000 });

  return {
    engine,
    metrics,
    modelDir: model.dir,
    app,
    post: async (route, body, headers = {}) =>
      app.request(route, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: async () => {
      await engine.close();
      await model.remove();
    },
  };
}

/** Reads a run.c reference output (prompt, completion and run.c's final newline). */
export async function readReference(name: 'greedy-once-upon-a-time-256.txt' | 'greedy-empty-prompt-256.txt'): Promise<string> {
  return readFile(path.join(STORIES_DIR, name), 'utf8');
}

/** Waits until the engine has no running or waiting request and no sequence left in a batch, polling every 5 ms for at most `timeoutMs`. */
export async function waitForIdle(engine: BatchEngine, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (engine.status().running + engine.status().waiting + engine.activeSequences() > 0) {
    if (Date.now() > deadline) throw new Error(`engine still busy after ${timeoutMs} ms: ${JSON.stringify(engine.status())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
