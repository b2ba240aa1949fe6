/**
 * `npm run backend`: loads the model folder and serves the OpenAI-compatible API with
 * @hono/node-server until SIGINT or SIGTERM. Options are listed in `config.ts`.
 *
 * The served ONNX file follows the folder's `deployment.json`: it is polled for changes and
 * reread on SIGHUP, and a changed active file is swapped in without dropping requests.
 */

import { serve } from '@hono/node-server';
import { pino } from 'pino';

import { EmbeddingBatcher } from '../embeddings/embedding-batcher.js';
import { loadEmbeddingModel } from '../embeddings/load-embedding-model.js';
import { DEFAULT_MODEL_ID, ensureDefaultModel } from '../hub/index.js';
import { loadEngine } from '../runtime/load-engine.js';
import { BackendMetrics } from '../runtime/metrics/backend-metrics.js';
import { DeploymentWatcher } from '../runtime/model-deployment.js';
import { createBackendApp } from './app.js';
import { readBackendConfig, type BackendConfig } from './config.js';

const logger = pino({ base: { service: 'backend' } });

/** Wait for other embedding requests to share a forward pass, in milliseconds. */
const EMBEDDING_WINDOW_MS = 2;
const EMBEDDING_MAX_WAITING_INPUTS = 4096;

async function main(): Promise<void> {
  const config = readBackendConfig(process.argv.slice(2), process.env);
  const modelDir = config.modelDir ?? (await importDefaultModel(config.modelId));
  const metrics = new BackendMetrics();
  const session = { executionProvider: config.executionProvider, intraOpNumThreads: config.intraOpNumThreads };
  const { engine, folder, swapModel } = await loadEngine({
    modelDir,
    ...session,
    maxQueue: config.maxQueue,
    maxBatchSize: config.maxBatchSize,
    maxTokensPerStep: config.maxTokensPerStep,
    logger,
    metrics,
  });
  const embeddingModels = await loadEmbeddingModels(config, metrics);

  const watcher = new DeploymentWatcher({ dir: folder.dir, intervalMs: config.deploymentPollMs, reload: swapModel, currentOnnxPath: () => engine.activeOnnxPath, logger });
  await watcher.start();

  const app = createBackendApp({
    engine,
    modelId: config.modelId,
    logger,
    requestTimeoutMs: config.requestTimeoutMs,
    metrics,
    embeddingModels,
    ...(folder.createdAt === undefined ? {} : { modelCreated: folder.createdAt }),
  });

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (address) => {
    logger.info({ host: address.address, port: address.port, modelId: config.modelId, executionProvider: config.executionProvider }, 'backend listening');
  });

  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading the model from deployment.json');
    void watcher.check(true);
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'backend stopping');
    watcher.stop();
    server.close((error) => {
      if (error) logger.error({ err: error }, 'server close failed');
      const closing = [engine.close(), ...[...embeddingModels.values()].map((batcher) => batcher.model.close())];
      Promise.all(closing).then(
        () => logger.info({}, 'backend stopped'),
        (closeError: unknown) => logger.error({ err: closeError }, 'engine close failed'),
      );
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function loadEmbeddingModels(config: BackendConfig, metrics: BackendMetrics): Promise<Map<string, EmbeddingBatcher>> {
  const batchers = new Map<string, EmbeddingBatcher>();
  for (const { id, dir } of config.embeddingModels) {
    const model = await loadEmbeddingModel(id, dir, { executionProvider: config.executionProvider, intraOpNumThreads: config.intraOpNumThreads });
    batchers.set(id, new EmbeddingBatcher(model, { windowMs: EMBEDDING_WINDOW_MS, maxWaitingInputs: EMBEDDING_MAX_WAITING_INPUTS, metrics }));
    logger.info({ modelId: id, dir, dimension: model.dimension }, 'embedding model loaded');
  }
  return batchers;
}

async function importDefaultModel(modelId: string): Promise<string> {
  if (modelId !== DEFAULT_MODEL_ID) {
    throw new Error(`Missing model folder for MODEL_ID '${modelId}': set MODEL_DIR or pass --model-dir (import one with \`npm run import-model\`).`);
  }
  return ensureDefaultModel({ logger });
}

main().catch((error: unknown) => {
  logger.error({ err: error }, 'backend failed to start');
  process.exitCode = 1;
});
