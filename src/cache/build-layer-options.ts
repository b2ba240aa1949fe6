/**
 * Builds the result cache layer from settings, for the Node and Worker entries.
 */

import type { SubmitToBatcher } from '../batching/batching-middleware.js';
import { BATCH_PATH } from '../batching/batch-protocol.js';
import { RequestBatcher } from '../batching/request-batcher.js';
import type { BatchLimits } from '../batching/settings.js';
import type { FlightCoordinator } from '../coalesce/flight-protocol.js';
import { GatewayConfigError, type Backend } from '../gateway/backend.js';
import type { Logger } from '../log/logger.js';
import type { Sha256Hex } from './cache-key.js';
import type { ResultCacheLayerOptions } from './gateway-layer.js';
import { CacheApiResponseStore, MemoryResponseStore, TieredResponseStore, type CacheApi, type ResponseStore } from './response-store.js';
import { MemorySemanticIndex } from './semantic-index.js';
import type { SemanticMatcher } from './semantic-matcher.js';
import { MAX_FLIGHTS, type CacheSettings } from './settings.js';

/** Bytes of embeddings per semantic index entry assumed for its byte bound: the 16384-bucket trigram vector and more. */
const SEMANTIC_BYTES_PER_ENTRY = 80 * 1024;

export interface RuntimeCacheParts {
  /** Shared tier behind the in-memory one: `caches.default` on Workers. */
  sharedCache?: CacheApi;
  /** Coordinator of each coalescing key; Workers need one (a Durable Object), Node does not. */
  coalescingCoordinatorFor?: (key: string) => FlightCoordinator;
  /** Submit function of a batched backend; Workers pass a Durable Object per backend, Node batches in-process. */
  batcherFor?: (backend: Backend, limits: BatchLimits) => SubmitToBatcher;
  /** Matcher for the semantic tier; without one, `semantic` mode falls back to exact matching. */
  semanticMatcher?: SemanticMatcher<unknown>;
  /** Synchronous SHA-256 for the cache keys (node:crypto in Node); Web Crypto's when omitted. */
  sha256Hex?: Sha256Hex;
}

/** Returns the layer options for `createGateway({ resultCache })`. */
export function buildResultCacheLayerOptions(settings: CacheSettings, backends: readonly Backend[], parts: RuntimeCacheParts, logger: Logger): ResultCacheLayerOptions {
  const options: ResultCacheLayerOptions = {};
  if (parts.sha256Hex !== undefined) options.sha256Hex = parts.sha256Hex;

  const batchers = [];
  for (const [name, limits] of Object.entries(settings.batching)) {
    const backend = backends.find((candidate) => candidate.name === name);
    if (backend === undefined) throw new GatewayConfigError([`BATCHING names the backend '${name}', which BACKENDS does not define.`]);
    const submit = parts.batcherFor?.(backend, limits) ?? inProcessBatcher(backend, limits);
    batchers.push({ backend, submit });
  }
  if (batchers.length > 0) options.batching = { batchers };

  if (settings.coalescing) {
    options.coalescing = { maxFlights: MAX_FLIGHTS, maxBufferedBytes: settings.coalescingMaxBufferBytes };
    if (parts.coalescingCoordinatorFor !== undefined) options.coalescing.coordinatorFor = parts.coalescingCoordinatorFor;
  }
  if (settings.mode === 'off') return options;

  const memory = new MemoryResponseStore({ maxBytes: settings.maxBytes });
  const store: ResponseStore = parts.sharedCache === undefined ? memory : new TieredResponseStore([memory, new CacheApiResponseStore(parts.sharedCache)]);
  options.store = store;
  options.defaultTtlSeconds = settings.ttlSeconds;
  options.maxTtlSeconds = settings.maxTtlSeconds;

  if (settings.mode === 'semantic') {
    if (parts.semanticMatcher === undefined) {
      logger.warn({ resultCache: 'semantic' }, 'no semantic matcher is available in this runtime; the result cache matches exact requests only');
    } else {
      options.semantic = new MemorySemanticIndex(parts.semanticMatcher, {
        maxEntries: settings.semanticMaxEntries,
        maxBytes: settings.semanticMaxEntries * SEMANTIC_BYTES_PER_ENTRY,
      });
    }
  }
  return options;
}

/** Batches in this process: the Node gateway, where all requests share one event loop. */
export function inProcessBatcher(backend: Backend, limits: BatchLimits): SubmitToBatcher {
  const batcher = new RequestBatcher({ batchURL: `${backend.baseURL}${BATCH_PATH}`, ...limits, fetch: (input, init) => fetch(input, init) });
  return (request) => batcher.submit(request);
}
