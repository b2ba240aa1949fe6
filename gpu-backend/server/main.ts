/**
 * `npm run backend`: loads the model folder and serves the OpenAI-compatible API with
 * @hono/node-server until SIGINT or SIGTERM. Options are listed in `config.ts`.
 */

import { serve } from '@hono/node-server';
import { pino } from 'pino';

import { DEFAULT_MODEL_ID, ensureDefaultModel } from '../hub/index.js';
import { loadEngine } from '../runtime/load-engine.js';
import { createBackendApp } from './app.js';
import { readBackendConfig } from './config.js';

const logger = pino({ base: { service: 'backend' } });

async function main(): Promise<void> {
  const config = readBackendConfig(process.argv.slice(2), process.env);
  const modelDir = config.modelDir ?? (await importDefaultModel(config.modelId));
  const { engine, folder } = await loadEngine({
    modelDir,
    executionProvider: config.executionProvider,
    intraOpNumThreads: config.intraOpNumThreads,
    maxQueue: config.maxQueue,
    logger,
  });

  const app = createBackendApp({
    engine,
    modelId: config.modelId,
    logger,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(folder.createdAt === undefined ? {} : { modelCreated: folder.createdAt }),
  });

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (address) => {
    logger.info({ host: address.address, port: address.port, modelId: config.modelId, executionProvider: config.executionProvider }, 'backend listening');
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'backend stopping');
    server.close((error) => {
      if (error) logger.error({ err: error }, 'server close failed');
      engine.close().then(
        () => logger.info({}, 'backend stopped'),
        (closeError: unknown) => logger.error({ err: closeError }, 'engine close failed'),
      );
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
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
