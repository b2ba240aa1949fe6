/**
 * The backends that serve each model, with a circuit breaker and a health flag per backend, and
 * the order in which a request tries them.
 */

import type { Backend } from '../gateway/backend.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';

export interface BackendPoolOptions {
  /** Consecutive failures that open a backend's circuit. */
  failureThreshold: number;
  /** Time an open circuit waits before a probe, in ms. */
  coolDownMs: number;
  /** Current time in ms; replaceable in tests. */
  now?: () => number;
}

export interface BackendStatus {
  name: string;
  circuit: CircuitState;
  /** Result of the last active health check; true until a check fails. */
  healthy: boolean;
}

/**
 * @example
 * const pool = new BackendPool(backends, { failureThreshold: 5, coolDownMs: 10_000 });
 * for (const backend of pool.candidates('stories260K')) { ... }
 */
export class BackendPool {
  readonly backends: readonly Backend[];
  readonly #byModel = new Map<string, Backend[]>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #healthy = new Map<string, boolean>();
  /** Next starting position per model, for round-robin; one entry per configured model. */
  readonly #nextStart = new Map<string, number>();

  constructor(backends: readonly Backend[], options: BackendPoolOptions) {
    this.backends = backends;
    for (const backend of backends) {
      this.#breakers.set(backend.name, new CircuitBreaker(options));
      this.#healthy.set(backend.name, true);
      for (const model of backend.models) {
        const list = this.#byModel.get(model) ?? [];
        list.push(backend);
        this.#byModel.set(model, list);
      }
    }
  }

  serves(model: string): boolean {
    return this.#byModel.has(model);
  }

  /** Returns every backend of the model, in configuration order, whatever its state. */
  backendsFor(model: string): readonly Backend[] {
    return this.#byModel.get(model) ?? [];
  }

  /**
   * Returns the model's backends that may take a request now, healthy ones first, rotating the
   * starting point on each call so load spreads over equal backends.
   */
  candidates(model: string): Backend[] {
    const all = this.#byModel.get(model) ?? [];
    const start = this.#nextStart.get(model) ?? 0;
    this.#nextStart.set(model, (start + 1) % Math.max(1, all.length));

    const rotated = [...all.slice(start), ...all.slice(0, start)];
    const available = rotated.filter((backend) => this.breaker(backend.name).isAvailable());
    return [...available.filter((backend) => this.#healthy.get(backend.name) === true), ...available.filter((backend) => this.#healthy.get(backend.name) !== true)];
  }

  breaker(name: string): CircuitBreaker {
    const breaker = this.#breakers.get(name);
    if (breaker === undefined) throw new Error(`BackendPool: unknown backend '${name}'.`);
    return breaker;
  }

  /** Records an active health check. A passing check also closes an open circuit. */
  reportHealth(name: string, healthy: boolean): void {
    this.#healthy.set(name, healthy);
    if (healthy && this.breaker(name).state !== 'closed') this.breaker(name).recordSuccess();
  }

  /** Shortest wait until an open circuit of the model allows a probe, in ms. */
  retryAfterMs(model: string): number {
    const waits = this.backendsFor(model).map((backend) => this.breaker(backend.name).remainingCoolDownMs);
    return waits.length === 0 ? 0 : Math.min(...waits);
  }

  status(): BackendStatus[] {
    return this.backends.map((backend) => ({
      name: backend.name,
      circuit: this.breaker(backend.name).state,
      healthy: this.#healthy.get(backend.name) === true,
    }));
  }
}
