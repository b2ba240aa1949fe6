/**
 * Node entry of the edge gateway: `npm run gateway:node`.
 *
 * Reads the gateway settings from environment variables (BACKENDS, MAX_BODY_BYTES,
 * FIRST_BYTE_TIMEOUT_MS, LOG_LEVEL; see src/gateway/settings.ts) plus HOST (default 127.0.0.1)
 * and PORT (default 8787), and serves the same Hono app as the Worker through @hono/node-server.
 */

import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve } from '@hono/node-server';
import { pino } from 'pino';

import { GatewayConfigError } from '../src/gateway/backend.js';
import { createGateway } from '../src/gateway/create-gateway.js';
import { readGatewaySettings } from '../src/gateway/settings.js';
import type { Logger } from '../src/log/logger.js';

/** Backends used when BACKENDS is unset: the local backend of `npm run backend`, as in wrangler.toml. */
export const DEFAULT_BACKENDS = JSON.stringify([{ name: 'local', baseURL: 'http://127.0.0.1:8000/v1', models: ['stories260K'] }]);

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
  const app = createGateway({ ...settings, logger: options.logger });

  const server = await new Promise<ReturnType<typeof serve>>((resolveListening, rejectListening) => {
    const started = serve({ fetch: app.fetch, hostname: options.hostname, port: options.port }, () => resolveListening(started));
    started.once('error', rejectListening);
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolveClosed, rejectClosed) => {
        server.close((error) => (error === undefined ? resolveClosed() : rejectClosed(error)));
      }),
  };
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
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'gateway' } });

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
