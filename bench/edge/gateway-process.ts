/**
 * Runs the Node entry (edge/node.ts), or another server of the benchmark, in a child process, so
 * that it has a thread of its own instead of sharing one event loop with the load generator and
 * the upstream.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface GatewayProcess {
  url: string;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Starts the gateway with `variables` added to the environment; resolves once GET /health responds with 200. */
export function startGatewayProcess(variables: Readonly<Record<string, string>>): Promise<GatewayProcess> {
  return startServerProcess('edge/node.ts', variables);
}

/**
 * Starts a TypeScript server entry that reads HOST and PORT, with `variables` added to the
 * environment, in `cwd` (default: this process's directory). Resolves once the server's
 * GET /health responds with 200.
 */
export async function startServerProcess(entry: string, variables: Readonly<Record<string, string>>, cwd?: string): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd,
    env: { ...process.env, ...variables, HOST: '127.0.0.1', PORT: String(port) },
    // The access log is still serialized and written, to /dev/null as in the in-process runs.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, entry, child);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { url, close: () => stop(child) };
}

async function waitForHealth(url: string, entry: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The ${entry} process exited with code ${child.exitCode} before ${url}/health responded.`);
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The ${entry} process did not respond with 200 on ${url}/health within ${START_TIMEOUT_MS} ms.`);
}

/** Sends SIGTERM, which edge/node.ts handles by closing the server, and SIGKILL if it has not exited in time. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Returns a TCP port that was free a moment ago; another process could take it before the gateway does. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
  return port;
}
