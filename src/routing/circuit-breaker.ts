/**
 * A circuit breaker per backend. Closed: requests flow, and consecutive failures are counted.
 * After `failureThreshold` consecutive failures it opens: requests skip the backend. Once
 * `coolDownMs` has passed it is half-open: one probe request may go; its success closes the
 * breaker, its failure opens it for another cool-down.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Time the circuit stays open before a probe, in ms. */
  coolDownMs: number;
  /** Current time in ms; replaceable in tests. */
  now?: () => number;
}

/**
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 5, coolDownMs: 10_000 });
 * if (breaker.tryAcquire()) { ...; ok ? breaker.recordSuccess() : breaker.recordFailure(); }
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #coolDownMs: number;
  readonly #now: () => number;
  #consecutiveFailures = 0;
  #openedAtMs: number | undefined;
  #probeInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isSafeInteger(options?.failureThreshold) || options.failureThreshold <= 0) {
      throw new TypeError(`CircuitBreaker: options.failureThreshold must be a positive integer, got ${String(options?.failureThreshold)}.`);
    }
    if (!Number.isFinite(options.coolDownMs) || options.coolDownMs < 0) {
      throw new TypeError(`CircuitBreaker: options.coolDownMs must be a non-negative number of ms, got ${String(options.coolDownMs)}.`);
    }
    this.#failureThreshold = options.failureThreshold;
    this.#coolDownMs = options.coolDownMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    if (this.#openedAtMs === undefined) return 'closed';
    return this.#now() - this.#openedAtMs >= this.#coolDownMs ? 'half-open' : 'open';
  }

  /** Time until the open circuit allows a probe, in ms; 0 unless open. */
  get remainingCoolDownMs(): number {
    if (this.#openedAtMs === undefined) return 0;
    return Math.max(0, this.#openedAtMs + this.#coolDownMs - this.#now());
  }

  /** True when a request may go now; in half-open state only the first caller gets the probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  /** True when {@link tryAcquire} would return true; takes nothing. */
  isAvailable(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.#probeInFlight);
  }

  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    this.#openedAtMs = undefined;
    this.#probeInFlight = false;
  }

  recordFailure(): void {
    this.#consecutiveFailures += 1;
    const probeFailed = this.#probeInFlight;
    this.#probeInFlight = false;
    if (probeFailed || this.#consecutiveFailures >= this.#failureThreshold) this.#openedAtMs = this.#now();
  }

  /** Releases a half-open probe whose request ended without saying anything about the backend. */
  releaseProbe(): void {
    this.#probeInFlight = false;
  }
}
