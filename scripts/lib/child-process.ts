import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../src/log/logger.js';

export interface ServiceOptions {
  /** Short name used in log lines, for example `backend`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}

/**
 * Starts a long-running child process and forwards each output line to the logger.
 *
 * Lines that are already JSON (pino output of our own services) are passed through as they are,
 * so the terminal shows one JSON object per line whichever process wrote it.
 */
export function startService(options: ServiceOptions): ChildProcess {
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  createInterface({ input: child.stdout }).on('line', (line) => forwardLine(options, line, 'info'));
  createInterface({ input: child.stderr }).on('line', (line) => forwardLine(options, line, 'warn'));
  return child;
}

/** Passes our own services' JSON lines through; wraps any other output line, stderr as a warning. */
function forwardLine(options: ServiceOptions, line: string, level: 'info' | 'warn'): void {
  if (line.startsWith('{') && line.endsWith('}')) {
    process.stdout.write(`${line}\n`);
    return;
  }
  if (line.trim() !== '') options.logger[level]({ child: options.name, output: line });
}

/**
 * Polls `url` until it responds with 2xx, the child exits, or `timeoutMs` passes.
 *
 * @throws Error naming the service when it exits early or does not become ready in time.
 */
export async function waitUntilReady(url: string, child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode} before it became ready; see its log lines above.`);
    }
    if (await isHealthy(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not respond at ${url} within ${timeoutMs} ms.`);
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch (error) {
    // Connection refused or a timed-out probe only means "not ready yet"; any other error type is a bug.
    if (error instanceof TypeError || (error instanceof DOMException && error.name === 'TimeoutError')) return false;
    throw error;
  }
}
