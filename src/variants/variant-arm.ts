/**
 * The bandit's state for one deployed variant: a beta posterior of its quality with
 * exponential forgetting, and a ring buffer of its recent request latencies.
 */

/** Weight kept by older quality evidence at each new observation; 0.95 remembers about 20. */
const QUALITY_DISCOUNT = 0.95;

/** Latencies kept per variant for its p95. */
const LATENCY_WINDOW = 100;

/** Below these sample counts a variant is given the benefit of the doubt, so it gets explored. */
export const MIN_QUALITY_SAMPLES = 3;
export const MIN_LATENCY_SAMPLES = 5;

export class VariantArm {
  readonly variant: string;
  /** Beta(alpha, beta) posterior of the quality score; starts uniform. */
  alpha = 1;
  beta = 1;
  qualitySamples = 0;
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;

  constructor(variant: string) {
    this.variant = variant;
  }

  /** Adds a quality score from 0 to 1; older evidence decays so a change shows within tens of scores. */
  observeQuality(score: number): void {
    const clamped = Math.min(1, Math.max(0, score));
    this.alpha = 1 + (this.alpha - 1) * QUALITY_DISCOUNT + clamped;
    this.beta = 1 + (this.beta - 1) * QUALITY_DISCOUNT + (1 - clamped);
    this.qualitySamples += 1;
  }

  observeLatency(seconds: number): void {
    this.#latencies[this.#latencyCount % LATENCY_WINDOW] = seconds;
    this.#latencyCount += 1;
  }

  get latencySamples(): number {
    return Math.min(this.#latencyCount, LATENCY_WINDOW);
  }

  /** p95 of the recent latencies in seconds (nearest rank); null without samples. */
  latencyP95(): number | null {
    const count = this.latencySamples;
    if (count === 0) return null;
    const sorted = Array.from(this.#latencies.subarray(0, count)).sort((a, b) => a - b);
    return sorted[Math.min(count - 1, Math.ceil(0.95 * count) - 1)] ?? null;
  }

  qualityMean(): number {
    return this.alpha / (this.alpha + this.beta);
  }
}
