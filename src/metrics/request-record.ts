/**
 * Records of one generation request, written after its response body has ended.
 */

/** Response cache outcome of a request; `unknown` when no cache middleware ran. */
export type CacheStatus = 'hit' | 'semantic-hit' | 'miss' | 'bypass' | 'unknown';

export const CACHE_STATUSES: readonly CacheStatus[] = ['hit', 'semantic-hit', 'miss', 'bypass', 'unknown'];

/** Dollars attributed to one request; see src/cost/cost-model.ts for how each part is estimated. */
export interface RequestCost {
  /** Estimated spend: edge request price plus the backend hardware time the request used. */
  spentUsd: number;
  /** Estimated spend of the same request on the reference variant, without cache or batching. */
  baselineUsd: number;
  /** Savings by cause; they add up to `baselineUsd - spentUsd`. */
  savedByCacheUsd: number;
  savedByBatchingUsd: number;
  /** Negative when the chosen variant costs more per token than the reference. */
  savedByCompressionUsd: number;
}

export interface RequestRecord {
  /** End of the response, in milliseconds since the Unix epoch. */
  time: number;
  tenant: string;
  model: string;
  /** Deployed variant (compression recipe), `default` for a model with a single backend. */
  variant: string;
  backend: string;
  /** Route pattern, such as `/v1/chat/completions`. */
  route: string;
  status: number;
  streamed: boolean;
  cacheStatus: CacheStatus;
  /** Sequences the backend decoded together with this one; null when not reported. */
  batchSize: number | null;
  /** Time spent waiting in the backend queue, in seconds; null when the backend does not report it. */
  queueSeconds: number | null;
  /** Time from the request to the first response body chunk, in seconds; null without a body. */
  firstTokenSeconds: number | null;
  /** Time from the request to the end of the response body, in seconds. */
  durationSeconds: number;
  promptTokens: number;
  completionTokens: number;
  /** True when the token counts come from `usage`, false when counted from stream chunks. */
  usageReported: boolean;
  cost: RequestCost;
}

/** A quality observation of a variant: 1 is as good as the reference, 0 useless. */
export interface QualityRecord {
  time: number;
  model: string;
  variant: string;
  /** `replay`: agreement with the reference variant; `feedback`: a client's score. */
  source: 'replay' | 'feedback';
  score: number;
}
