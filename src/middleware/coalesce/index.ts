/**
 * In-flight request coalescing: identical requests that arrive while one of them is waiting on
 * the backend share that one backend call.
 */

import type { MiddlewareHandler } from 'hono';

import { allowsSharing, parseCacheDirective } from '../../cache/cache-directive.js';
import { computeCacheKeys, isDeterministic, type Sha256Hex } from '../../cache/cache-key.js';
import { tenantIdOf, type TenantVariables } from '../../cache/tenant.js';
import type { CacheLayerVariables } from '../../cache/variables.js';
import { FlightUnsharedError, type FlightHead } from '../../coalesce/flight.js';
import { fetchThroughCoordinator, type FlightCoordinator } from '../../coalesce/flight-protocol.js';
import { InFlightRegistry } from '../../coalesce/in-flight-registry.js';
import type { Logger } from '../../log/logger.js';
import { ApiError } from '../../openai/errors.js';
import type { GenerationEndpoint, GenerationRequests } from '../../openai/request-types.js';
import { completeBodyOf, hasNullBody } from '../../streams/complete-body.js';
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_MAX_CACHE_TTL_SECONDS } from '../cache/index.js';
import { replaceBody } from '../replace-body.js';

export const COALESCED_HEADER = 'x-slimgate-coalesced';

/** Hono variables that {@link coalesceRequests} reads and sets. */
export type CoalesceVariables = CacheLayerVariables &
  TenantVariables & {
    openaiRequest?: GenerationRequests[GenerationEndpoint];
  };

export interface CoalesceOptions<E extends GenerationEndpoint> {
  endpoint: E;
  /** Shared by the routes of one gateway, so that each key has one flight. */
  registry: InFlightRegistry;
  /**
   * Returns the coordinator of a flight key. When set, flights run in the coordinator (a Durable
   * Object on Workers, where one request cannot read a stream another request opened) instead
   * of in this process.
   */
  coordinatorFor?: (key: string) => FlightCoordinator;
  logger: Logger;
  /** Digest of the keys when no result cache computed them first; Web Crypto's when omitted. */
  sha256Hex?: Sha256Hex;
}

/** Response headers that are copied to joiners; per-request ones such as x-request-id are not. */
const SHARED_HEADERS = ['content-type', 'cache-control', 'openai-processing-ms'];

/**
 * Creates middleware that makes the first of several identical requests (same exact cache key,
 * same `stream` and `stream_options`) the leader of a flight and streams its backend response
 * to every request that joins while it is in flight. Non-deterministic requests are not
 * coalesced unless the client sends `x-slimgate-cache: force`; `no-store` opts out.
 * Joiners get `x-slimgate-coalesced: joined`.
 *
 * The downstream handler must use `c.var.backendSignal` for its backend call, so a leader whose
 * client disconnects does not cut off the joiners.
 *
 * @example
 * const registry = new InFlightRegistry({ maxFlights: 10_000, maxBufferedBytes: 1 << 20 });
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }),
 *   coalesceRequests({ endpoint: 'completions', registry, logger }), forward);
 */
export function coalesceRequests<E extends GenerationEndpoint>(options: CoalesceOptions<E>): MiddlewareHandler<{ Variables: CoalesceVariables }> {
  const { endpoint, registry, logger } = validateOptions(options);
  const sha256Option = options.sha256Hex === undefined ? {} : { sha256Hex: options.sha256Hex };

  return async function coalesceMiddleware(c, next) {
    const request = c.get('openaiRequest');
    if (request === undefined) throw new Error('coalesceRequests: c.var.openaiRequest is not set; mount validateOpenAI before it.');

    const directive = c.get('cacheDirective') ?? parseCacheDirective((name) => c.req.header(name), { defaultTtlSeconds: DEFAULT_CACHE_TTL_SECONDS, maxTtlSeconds: DEFAULT_MAX_CACHE_TTL_SECONDS });
    if (!(c.get('cacheSharable') ?? allowsSharing(directive, isDeterministic(request)))) return next();

    const keys = c.get('cacheKeys') ?? (await computeCacheKeys({ tenantId: tenantIdOf(c), endpoint, request, ...sha256Option }));
    const key = `${keys.exact}:${request.stream === true ? 'stream' : 'json'}:${request.stream_options?.include_usage === true ? 'usage' : ''}`;
    if (options.coordinatorFor !== undefined) {
      c.set('backendFetch', fetchThroughCoordinator(options.coordinatorFor(key), key));
      return next();
    }

    const claim = registry.claim(key);
    // The leader subscribes to the shared body only if it streams (see below).
    const participant = claim.flight.join(c.get('clientSignal') ?? c.req.raw.signal, { deferBody: claim.role === 'leader' });

    if (claim.role === 'joined') {
      let head: FlightHead;
      try {
        head = await participant.head;
      } catch (error) {
        if (!(error instanceof FlightUnsharedError)) throw error;
        logger.debug({ reason: error.message }, 'coalesced request falls back to its own backend call');
        return next();
      }
      c.set('coalescedRole', 'joined');
      c.header(COALESCED_HEADER, 'joined');
      return c.body(participant.body(), head.status as 200, head.headers);
    }

    c.set('coalescedRole', 'leader');
    c.set('backendSignal', claim.flight.signal);
    try {
      await next();
    } catch (error) {
      // ApiErrors (backend 4xx, 502, 503, 504) reach the joiners as the same error response.
      claim.flight.fail(error instanceof ApiError ? error : new FlightUnsharedError(String(error)));
      throw error;
    }

    const response = c.res;
    if (response.status !== 200 || hasNullBody(response)) {
      claim.flight.fail(new FlightUnsharedError(`the response has status ${response.status}`));
      return;
    }

    const headers: Record<string, string> = {};
    for (const name of SHARED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    // A body already in memory goes to the joiners at once, and the leader keeps its response.
    const complete = completeBodyOf(response);
    if (complete !== undefined) {
      claim.flight.finish({ status: response.status, headers }, complete);
      participant.leave();
      return;
    }

    // The leader's own response stream keeps a Node request alive until the body is read. On
    // Workers, flights run in a Durable Object coordinator (options.coordinatorFor) instead.
    const leaderBody = participant.body();
    void claim.flight.start({ status: response.status, headers }, response.body!);
    replaceBody(c, leaderBody);
  };
}

function validateOptions<E extends GenerationEndpoint>(options: CoalesceOptions<E>): CoalesceOptions<E> {
  if (options?.endpoint !== 'completions' && options?.endpoint !== 'chat.completions') {
    throw new TypeError(`coalesceRequests: options.endpoint must be completions or chat.completions, got ${JSON.stringify(options?.endpoint)}.`);
  }
  if (!(options.registry instanceof InFlightRegistry)) throw new TypeError('coalesceRequests: options.registry must be an InFlightRegistry.');
  if (typeof options.logger?.debug !== 'function') throw new TypeError('coalesceRequests: options.logger must be a Logger.');
  return options;
}
