/**
 * Active health checks for the Node gateway: every `intervalMs`, `GET <baseURL>/models` on each
 * backend (an endpoint every OpenAI-compatible server has: vLLM, TGI's Messages API, llama.cpp
 * server). Workers have no timers between requests, so there the circuit breakers rely on request
 * outcomes only.
 */

import type { FetchFunction } from '../gateway/forward.js';
import type { Logger } from '../log/logger.js';
import type { BackendPool } from './backend-pool.js';

export interface HealthCheckerOptions {
  pool: BackendPool;
  /** Time between rounds of checks, in ms. */
  intervalMs: number;
  /** Time allowed for one check, in ms. */
  timeoutMs: number;
  fetch: FetchFunction;
  logger: Logger;
}

/**
 * @example
 * const checker = new HealthChecker({ pool, intervalMs: 5000, timeoutMs: 2000, fetch, logger });
 * checker.start();
 * // ...
 * checker.stop();
 */
export class HealthChecker {
  readonly #options: HealthCheckerOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: HealthCheckerOptions) {
    for (const name of ['intervalMs', 'timeoutMs'] as const) {
      if (!Number.isSafeInteger(options?.[name]) || options[name] <= 0) {
        throw new TypeError(`HealthChecker: options.${name} must be a positive integer, got ${String(options?.[name])}.`);
      }
    }
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      // A round still running when the next is due is not overlapped.
      this.#running ??= this.checkAll().finally(() => (this.#running = undefined));
    }, this.#options.intervalMs);
    // The checker alone must not keep a Node process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Checks every backend once and reports the results to the pool. */
  async checkAll(): Promise<void> {
    await Promise.all(this.#options.pool.backends.map((backend) => this.#check(backend.name, backend.baseURL)));
  }

  async #check(name: string, baseURL: string): Promise<void> {
    const { pool, fetch, timeoutMs, logger } = this.#options;
    const wasHealthy = pool.status().find((status) => status.name === name)?.healthy;

    let healthy: boolean;
    let detail: string;
    try {
      const response = await fetch(`${baseURL}/models`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      healthy = response.ok;
      detail = `status ${response.status}`;
    } catch (error) {
      // Any failure to get a response (refused, reset, timed out) means unhealthy.
      healthy = false;
      detail = error instanceof Error ? error.message : String(error);
    }

    pool.reportHealth(name, healthy);
    if (healthy !== wasHealthy) {
      if (healthy) logger.info({ backend: name }, 'backend health check passed; backend back in rotation');
      else logger.warn({ backend: name, detail }, 'backend health check failed; backend taken out of rotation');
    }
  }
}
