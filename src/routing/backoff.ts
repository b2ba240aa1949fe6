/**
 * Exponential backoff with full jitter: the delay before retry `n` (1-based) is uniform in
 * [0, min(maxMs, baseMs * 2^(n-1))), which spreads retries of many clients over time.
 */

export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. */
  baseMs: number;
  /** Largest upper bound, in ms. */
  maxMs: number;
}

/** Returns the delay before retry `retry` (1 for the first retry), in ms. `random` returns [0, 1). */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
