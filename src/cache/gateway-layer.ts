/**
 * The result cache, in-flight coalescing and request batching as one middleware per generation
 * route, so the gateway adds a single entry to each route.
 */

import type { MiddlewareHandler } from 'hono';

import { batchRequests, type BatchingOptions } from '../batching/batching-middleware.js';
import type { FlightCoordinator } from '../coalesce/flight-protocol.js';
import type { Sha256Hex } from './cache-key.js';
import { InFlightRegistry, type InFlightRegistryOptions } from '../coalesce/in-flight-registry.js';
import type { Logger } from '../log/logger.js';
import { resultCache, type ResultCacheVariables } from '../middleware/cache/index.js';
import { coalesceRequests } from '../middleware/coalesce/index.js';
import type { GenerationEndpoint } from '../openai/request-types.js';
import type { ResponseStore } from './response-store.js';
import type { SemanticIndex } from './semantic-index.js';

export interface ResultCacheLayerOptions {
  /** Exact-match tiers; omit to turn the result cache off. */
  store?: ResponseStore;
  /** Semantic tier, searched after an exact miss; needs `store`. */
  semantic?: SemanticIndex;
  /** Lifetime of stored responses without `x-slimgate-cache-ttl`, in seconds. */
  defaultTtlSeconds?: number;
  /** Largest accepted `x-slimgate-cache-ttl`, in seconds. */
  maxTtlSeconds?: number;
  /** In-flight coalescing limits; omit to turn coalescing off. */
  coalescing?: InFlightRegistryOptions & {
    /** Runs flights in a coordinator per key (a Durable Object on Workers) instead of in-process. */
    coordinatorFor?: (key: string) => FlightCoordinator;
  };
  /** Dynamic batching of backend calls; omit to turn it off. */
  batching?: BatchingOptions;
  /** Digest of the cache and coalescing keys; Web Crypto's when omitted. */
  sha256Hex?: Sha256Hex;
}

type LayerMiddleware = MiddlewareHandler<{ Variables: ResultCacheVariables }>;

/**
 * Returns a factory of the per-route middleware: the result cache, then coalescing, each left
 * out when not configured. Routes share the store and the in-flight registry.
 *
 * @example
 * const cacheLayer = createResultCacheLayer({ store: new MemoryResponseStore({ maxBytes: 64 << 20 }) }, logger);
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), cacheLayer('completions'), forward);
 */
export function createResultCacheLayer(options: ResultCacheLayerOptions, logger: Logger): (endpoint: GenerationEndpoint) => LayerMiddleware {
  if (options.semantic !== undefined && options.store === undefined) throw new TypeError('createResultCacheLayer: options.semantic needs options.store.');
  const registry = options.coalescing === undefined ? undefined : new InFlightRegistry(options.coalescing);
  const batching = options.batching === undefined || options.batching.batchers.length === 0 ? undefined : batchRequests(options.batching);

  const sha256Option = options.sha256Hex === undefined ? {} : { sha256Hex: options.sha256Hex };

  return (endpoint) => {
    const layers: LayerMiddleware[] = [];
    if (options.store !== undefined) {
      layers.push(
        resultCache({
          endpoint,
          store: options.store,
          logger,
          ...(options.semantic === undefined ? {} : { semantic: options.semantic }),
          ...(options.defaultTtlSeconds === undefined ? {} : { defaultTtlSeconds: options.defaultTtlSeconds }),
          ...(options.maxTtlSeconds === undefined ? {} : { maxTtlSeconds: options.maxTtlSeconds }),
          ...sha256Option,
        }),
      );
    }
    const coordinatorFor = options.coalescing?.coordinatorFor;
    if (registry !== undefined) layers.push(coalesceRequests({ endpoint, registry, logger, ...(coordinatorFor === undefined ? {} : { coordinatorFor }), ...sha256Option }));
    if (batching !== undefined) layers.push(batching);
    return compose(layers);
  };
}

/** Runs middleware in order, as Hono's router would, setting `c.res` from a returned Response. */
function compose(layers: readonly LayerMiddleware[]): LayerMiddleware {
  return async function resultCacheLayer(c, next) {
    const dispatch = async (index: number): Promise<void> => {
      const layer = layers[index];
      if (layer === undefined) return next();

      const response = await layer(c, () => dispatch(index + 1));
      if (response instanceof Response) c.res = response;
    };
    await dispatch(0);
  };
}
