/**
 * The project's real backend (gpu-backend/server) serving stories260K over HTTP on loopback:
 * the llama2.c checkpoint is imported into a temporary folder, loaded on the CPU, and served
 * with @hono/node-server on a free port.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve } from '@hono/node-server';

import { importLlama2c } from '../../gpu-backend/model-import/index.js';
import { loadEngine } from '../../gpu-backend/runtime/load-engine.js';
import { createBackendApp } from '../../gpu-backend/server/app.js';
import { silentLogger } from '../../src/log/logger.js';

export const STORIES_MODEL_ID = 'stories260K';

/** Folder with the stories260K checkpoint, tokenizer and llama2.c reference outputs. */
export const STORIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/models/stories260K');

export interface RealBackend {
  /** Base URL of the OpenAI-compatible API, ending in `/v1`. */
  baseURL: string;
  close(): Promise<void>;
}

export async function startRealBackend(): Promise<RealBackend> {
  const parent = await mkdtemp(path.join(tmpdir(), 'slimgate-e2e-'));
  const modelDir = path.join(parent, STORIES_MODEL_ID);
  await importLlama2c({
    checkpointPath: path.join(STORIES_DIR, 'stories260K.bin'),
    tokenizerPath: path.join(STORIES_DIR, 'tok512.bin'),
    outDir: modelDir,
    modelId: STORIES_MODEL_ID,
  });

  const { engine } = await loadEngine({ modelDir, executionProvider: 'cpu', intraOpNumThreads: 1, maxQueue: 4, logger: silentLogger });
  const app = createBackendApp({ engine, modelId: STORIES_MODEL_ID, logger: silentLogger, requestTimeoutMs: 60_000 });

  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      // workerd keeps connections alive; closing them lets close() finish now.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
      await engine.close();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
