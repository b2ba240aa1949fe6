/**
 * Cost of each request and the savings against a baseline, attributed by cause.
 *
 * The model, per request, with `h` the backend's hardware price in $/s:
 * - busy = duration − queue time: the seconds the request ran on the backend.
 * - unbatched = h × busy: what the request would cost alone on the hardware.
 * - spent = edge price + unbatched / batch size, because `batch size` sequences shared those
 *   seconds. A cache hit never reaches a backend, so it spends the edge price only.
 * - baseline = edge price + reference rate × tokens, where the reference rate is the measured
 *   unbatched $/token of the model's reference variant (an exponential moving average).
 *
 * Savings: a cache hit saves `baseline − edge price`; otherwise batching saves
 * `unbatched × (1 − 1/batch size)` and compression saves `reference rate × tokens − unbatched`
 * (negative when the variant is slower per token than the reference). The three add up to
 * `baseline − spent`.
 *
 * NOTE: a batched sequence runs longer than it would alone, so `unbatched` over-estimates the
 * solo cost a little and the batching saving is an upper estimate.
 */

import type { CacheStatus, RequestCost } from '../metrics/request-record.js';
import type { Prices } from './prices.js';

/** Weight of the newest observation in the per-variant $/token average. */
const RATE_SMOOTHING = 0.1;

export interface CostInput {
  model: string;
  variant: string;
  /** Variant whose per-token price defines the baseline. */
  referenceVariant: string;
  backend: string;
  cacheStatus: CacheStatus;
  batchSize: number | null;
  queueSeconds: number | null;
  durationSeconds: number;
  promptTokens: number;
  completionTokens: number;
}

export class CostModel {
  readonly prices: Prices;
  /** Unbatched $ per token by model and variant; keys come from requests to configured backends. */
  readonly #ratePerToken = new Map<string, number>();

  constructor(prices: Prices) {
    this.prices = prices;
  }

  /** Returns the cost of one request and updates the variant's measured $/token. */
  price(input: CostInput): RequestCost {
    const edge = this.prices.edgeRequestUsd;
    const tokens = input.promptTokens + input.completionTokens;
    const cacheHit = input.cacheStatus === 'hit' || input.cacheStatus === 'semantic-hit';

    if (cacheHit) {
      const referenceRate = this.rate(input.model, input.referenceVariant) ?? 0;
      const baseline = edge + referenceRate * tokens;
      return { spentUsd: edge, baselineUsd: baseline, savedByCacheUsd: baseline - edge, savedByBatchingUsd: 0, savedByCompressionUsd: 0 };
    }

    const hourly = this.prices.backendHourlyUsd[input.backend] ?? 0;
    const busySeconds = Math.max(0, input.durationSeconds - (input.queueSeconds ?? 0));
    const unbatched = (hourly / 3600) * busySeconds;
    const batchSize = Math.max(1, input.batchSize ?? 1);

    if (tokens > 0) this.#observeRate(input.model, input.variant, unbatched / tokens);

    // Until the reference variant has served a request, the request's own rate replaces it,
    // so the compression saving starts at zero instead of at an invented number.
    const referenceRate = this.rate(input.model, input.referenceVariant) ?? (tokens > 0 ? unbatched / tokens : 0);
    const referenceCost = referenceRate * tokens;
    const spent = edge + unbatched / batchSize;

    return {
      spentUsd: spent,
      baselineUsd: edge + referenceCost,
      savedByCacheUsd: 0,
      savedByBatchingUsd: unbatched * (1 - 1 / batchSize),
      savedByCompressionUsd: referenceCost - unbatched,
    };
  }

  /** Measured unbatched $ per token of a variant; undefined before its first priced request. */
  rate(model: string, variant: string): number | undefined {
    return this.#ratePerToken.get(`${model}\u0000${variant}`);
  }

  #observeRate(model: string, variant: string, rate: number): void {
    const key = `${model}\u0000${variant}`;
    const previous = this.#ratePerToken.get(key);
    this.#ratePerToken.set(key, previous === undefined ? rate : previous + RATE_SMOOTHING * (rate - previous));
  }
}
