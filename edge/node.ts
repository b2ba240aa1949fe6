/**
 * Node entry of the edge gateway: `npm run gateway:node`.
 *
 * Reads the gateway settings from environment variables (BACKENDS, MAX_BODY_BYTES,
 * FIRST_BYTE_TIMEOUT_MS, LOG_LEVEL, AUTH and more, listed in src/gateway/settings.ts). It also
 * reads HOST (default 127.0.0.1), PORT (default 8787) and KEYS_FILE, a JSON file that persists
 * API keys (keys stay in memory when it is unset). It serves the same Hono app as the Worker
 * through @hono/node-server and checks the backends' health every HEALTH_CHECK_INTERVAL_MS.
 */

import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { pino } from 'pino';

import { buildResultCacheLayerOptions } from '../src/cache/build-layer-options.js';
import { loadSemanticMatcher } from '../src/cache/node-semantic-matcher.js';
import { GatewayConfigError } from '../src/gateway/backend.js';
import { createGateway } from '../src/gateway/create-gateway.js';
import type { RequestSource } from '../src/gateway/request-source.js';
import { readGatewaySettings } from '../src/gateway/settings.js';
import { startFilePersistence } from '../src/metrics/file-persistence.js';
import { LocalMetricsStore } from '../src/metrics/metrics-store.js';
import { readObservabilitySettings } from '../src/metrics/observability-settings.js';
import type { Logger } from '../src/log/logger.js';
import { BackendPool } from '../src/routing/backend-pool.js';
import { HealthChecker } from '../src/routing/health-checker.js';
import { openFileKeyStore } from '../src/tenancy/file-key-store.js';
import { BackgroundTasks } from './background-tasks.js';
import { createNodeFetch } from './node-fetch.js';

/** Backends used when BACKENDS is unset: the local backend of `npm run backend`, as in wrangler.toml. */
export const DEFAULT_BACKENDS = JSON.stringify([{ name: 'local', baseURL: 'http://127.0.0.1:8000/v1', models: ['stories260K'] }]);

/** How long `close` waits for work that requests left running (metrics records, cache writes). */
const BACKGROUND_DRAIN_TIMEOUT_MS = 5_000;

export interface NodeGatewayOptions {
  /** Gateway settings as strings, normally `process.env`. */
  variables: Readonly<Record<string, string | undefined>>;
  hostname: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  logger: Logger;
}

export interface RunningGateway {
  /** Base URL of the listening server, e.g. `http://127.0.0.1:8787`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the gateway on `hostname:port`; resolves once the server is listening. */
export async function startNodeGateway(options: NodeGatewayOptions): Promise<RunningGateway> {
  const settings = readGatewaySettings(options.variables);
  const semanticMatcher = settings.cache.mode === 'semantic' ? await loadSemanticMatcher(settings.cache.semanticThreshold) : undefined;
  const resultCache = buildResultCacheLayerOptions(
    settings.cache,
    settings.backends,
    { sha256Hex: nodeSha256Hex, ...(semanticMatcher === undefined ? {} : { semanticMatcher }) },
    options.logger,
  );
  const observability = readObservabilitySettings(options.variables);
  const metricsStore = new LocalMetricsStore();
  const persistence =
    observability.metricsFile === undefined
      ? undefined
      : await startFilePersistence({ store: metricsStore.windows, file: observability.metricsFile, intervalMs: observability.metricsSaveIntervalMs, logger: options.logger });
  const keysFile = options.variables.KEYS_FILE;
  const keyStore = keysFile === undefined || keysFile === '' ? undefined : await openFileKeyStore(keysFile);
  const backendPool = new BackendPool(settings.backends, settings.routing.circuitBreaker);
  const healthChecker = new HealthChecker({
    pool: backendPool,
    intervalMs: settings.routing.healthCheckIntervalMs,
    timeoutMs: Math.min(settings.routing.healthCheckIntervalMs, 2_000),
    fetch: (input, init) => fetch(input, init),
    logger: options.logger,
  });
  healthChecker.start();
  const backendFetch = createNodeFetch();
  const app = createGateway({
    ...settings,
    fetch: backendFetch.fetch,
    requestSource: nodeRequestSource,
    logger: options.logger,
    backendPool,
    tenancy: { ...settings.tenancy, ...(keyStore === undefined ? {} : { keyStore }) },
    resultCache,
    observability: { store: metricsStore, prices: observability.prices, policies: observability.policies, adminToken: observability.adminToken },
  });

  const background = new BackgroundTasks();
  const handle = withChunkedStreams((request: Request, bindings: HttpBindings | Http2Bindings) => app.fetch(request, bindings, background));
  const server = await new Promise<ReturnType<typeof serve>>((resolveListening, rejectListening) => {
    const started = serve({ fetch: handle, hostname: options.hostname, port: options.port }, () => resolveListening(started));
    started.once('error', rejectListening);
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      await healthChecker.stop();
      await new Promise<void>((resolveClosed, rejectClosed) => {
        server.close((error) => (error === undefined ? resolveClosed() : rejectClosed(error)));
      });
      const unfinished = await background.drain(BACKGROUND_DRAIN_TIMEOUT_MS);
      if (unfinished > 0) options.logger.warn({ unfinished, timeoutMs: BACKGROUND_DRAIN_TIMEOUT_MS }, 'gateway closed with background work still running');
      await persistence?.close();
      await backendFetch.close();
    },
  };
}

/**
 * Reads request bodies from the socket and watches the response for a client that goes away,
 * so that @hono/node-server never has to build a Web `Request` for a gateway request.
 */
const nodeRequestSource: RequestSource = {
  body: (c) => (c.env as Partial<HttpBindings> | undefined)?.incoming,
  signal: (c) => {
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing === undefined) return undefined;
    const controller = new AbortController();
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) controller.abort(new Error('the client closed the connection'));
    });
    return controller.signal;
  },
};

/**
 * Marks server-sent event responses `transfer-encoding: chunked`, which Node uses for them anyway.
 * Without the header, @hono/node-server 1.19 first tries to read two chunks, so that it can send a
 * content-length. When the second is not ready at once, it waits a timer tick (1 ms or more)
 * before it sends the headers and the first event.
 */
function withChunkedStreams<A extends unknown[]>(fetch: (request: Request, ...rest: A) => Response | Promise<Response>) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    const response = await fetch(request, ...rest);
    if (response.headers.get('content-type')?.startsWith('text/event-stream') === true) response.headers.set('transfer-encoding', 'chunked');
    return response;
  };
}

/** SHA-256 through node:crypto: synchronous, so a cache key costs no thread-pool hand-off as Web Crypto does. */
function nodeSha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8787;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new GatewayConfigError([`PORT must be an integer from 0 to 65535, got ${JSON.stringify(value)}.`]);
  }
  return port;
}

async function main(): Promise<void> {
  const variables = { ...process.env, BACKENDS: process.env.BACKENDS ?? DEFAULT_BACKENDS };
  // Asynchronous writes: under load, lines queued while a write is in flight go out together
  // instead of one system call per request. pino flushes the rest when the process exits.
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'gateway' } }, pino.destination({ dest: 1, sync: false }));

  let gateway: RunningGateway;
  try {
    gateway = await startNodeGateway({ variables, hostname: process.env.HOST ?? '127.0.0.1', port: parsePort(process.env.PORT), logger });
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    logger.error({ problems: error.problems }, error.message);
    process.exitCode = 1;
    return;
  }
  logger.info({ url: gateway.url, defaultBackends: process.env.BACKENDS === undefined }, 'gateway listening');

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'gateway stopping');
    gateway.close().then(
      () => logger.info({}, 'gateway stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'gateway failed to close');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
