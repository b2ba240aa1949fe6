/**
 * Hono variables that the result cache, coalescing and batching middleware set, for the
 * handlers after them and for metrics.
 */

import type { FetchFunction } from '../gateway/forward.js';
import type { CacheDirective } from './cache-directive.js';
import type { CacheKeys } from './cache-key.js';
import type { CompletionUsage } from './completion-types.js';

/** Outcome of the result cache for a request; `bypass` means the cache was not consulted. */
export type CacheStatus = 'hit' | 'semantic-hit' | 'miss' | 'bypass';

export interface CacheLayerVariables {
  /** The request's cache directive from its headers. */
  cacheDirective?: CacheDirective;
  /** Exact key and semantic scope of the request. */
  cacheKeys?: CacheKeys;
  /** Whether the request may share a result (deterministic, or opted in with `force`). */
  cacheSharable?: boolean;
  cacheStatus?: CacheStatus;
  /** Similarity of a semantic hit, in the matcher's scale (the combined scorer's probability). */
  cacheSimilarity?: number;
  /** Token usage of the response when known before it is sent: on cache hits, the original usage. */
  usage?: CompletionUsage;
  /** Tokens billed for the request: 0 on a cache hit, whose `usage` counts as saved. */
  billedTokens?: number;
  /** Whether this request made the backend call of its flight or joined another request's. */
  coalescedRole?: 'leader' | 'joined';
  /** Signal for the backend call: it aborts when every coalesced client has gone. */
  backendSignal?: AbortSignal;
  /** Aborts when this request's client goes away, when the runtime entry supplies one; else `c.req.raw.signal`. */
  clientSignal?: AbortSignal;
  /** Replaces the gateway's fetch for this request's backend call: coalescing or batching through a Durable Object. */
  backendFetch?: FetchFunction;
  /** Number of requests sent in the same backend batch call as this one. */
  batchSize?: number;
}
