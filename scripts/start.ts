/**
 * `npm start`: the main job on one machine.
 *
 * Imports the default model into the cache when needed (from ../shared, else from the Hugging Face
 * Hub), starts the ONNX backend on loopback, starts the edge gateway in workerd with `wrangler dev`,
 * and prints the OpenAI-compatible endpoint. Ctrl-C stops both services.
 *
 * Environment: PORT (gateway port, default 8787), BACKEND_PORT (default 8000),
 * SLIMGATE_CACHE_DIR (model cache, default <repo>/.cache), EXECUTION_PROVIDER (cpu or cuda).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { pino } from 'pino';
import { ensureDefaultModel } from '../gpu-backend/hub/index.js';
import { startService, waitUntilReady } from './lib/child-process.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logger = pino({ base: { service: 'start' } });

const MODEL_ID = 'stories260K';
const HOST = '127.0.0.1';
const gatewayPort = parsePort('PORT', 8787);
const backendPort = parsePort('BACKEND_PORT', 8000);
const READY_TIMEOUT_MS = 120_000;

function parsePort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`Invalid ${name}=${raw}: expected an integer port from 1 to 65535.`);
  }
  return port;
}

async function main(): Promise<void> {
  const cacheDir = process.env.SLIMGATE_CACHE_DIR ?? path.join(repoRoot, '.cache');
  logger.info({ cacheDir }, 'preparing default model');
  const modelDir = await ensureDefaultModel({ cacheDir });
  logger.info({ modelDir }, 'model ready');

  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const backend = startService({
    name: 'backend',
    command: tsx,
    args: [path.join(repoRoot, 'gpu-backend', 'server', 'main.ts')],
    env: { MODEL_DIR: modelDir, MODEL_ID, HOST, PORT: String(backendPort) },
    logger,
  });

  const backends = [{ name: 'local', baseURL: `http://${HOST}:${backendPort}/v1`, models: [MODEL_ID] }];
  const wrangler = path.join(repoRoot, 'node_modules', '.bin', 'wrangler');
  const gateway = startService({
    name: 'gateway',
    command: wrangler,
    args: ['dev', '--ip', HOST, '--port', String(gatewayPort), '--var', `BACKENDS:${JSON.stringify(backends)}`],
    // No telemetry, update banner or request.cf download: the gateway only talks to loopback.
    env: { WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    logger,
  });

  let stopping = false;
  const stop = (): void => {
    stopping = true;
    backend.kill('SIGTERM');
    gateway.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  // One service without the other is a broken endpoint, so an unexpected exit stops everything.
  for (const [name, child] of [['backend', backend], ['gateway', gateway]] as const) {
    child.once('exit', (code, signal) => {
      if (stopping) {
        logger.info({ child: name, code, signal }, 'service stopped');
        return;
      }
      logger.error({ child: name, code, signal }, 'service exited unexpectedly; stopping the other service');
      process.exitCode = 1;
      stop();
    });
  }

  try {
    await waitUntilReady(`http://${HOST}:${backendPort}/health`, backend, 'backend', READY_TIMEOUT_MS);
    await waitUntilReady(`http://${HOST}:${gatewayPort}/health`, gateway, 'gateway', READY_TIMEOUT_MS);
  } catch (error) {
    stop();
    throw error;
  }

  printBanner(`http://${HOST}:${gatewayPort}/v1`);
}

function printBanner(endpoint: string): void {
  const example = [
    `curl ${endpoint}/completions \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"model":"${MODEL_ID}","prompt":"Once upon a time","max_tokens":64,"temperature":0}'`,
  ].join('\n');
  process.stdout.write(`\nslimgate is serving ${MODEL_ID} at ${endpoint}\n\nTry:\n${example}\n\nPress Ctrl-C to stop.\n\n`);
}

main().catch((error: unknown) => {
  logger.error({ err: error }, 'start failed');
  process.exitCode = 1;
});
