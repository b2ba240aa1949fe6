/**
 * Result cache middleware for the OpenAI generation routes: exact matches from a
 * {@link ResponseStore}, optional semantic matches from a {@link SemanticIndex}.
 */

import type { Context, MiddlewareHandler } from 'hono';

import { allowsSharing, parseCacheDirective } from '../../cache/cache-directive.js';
import { computeCacheKeys, isDeterministic, type Sha256Hex } from '../../cache/cache-key.js';
import { usageOf, type CompletionObject } from '../../cache/completion-types.js';
import { conversationText } from '../../cache/conversation-text.js';
import { replayEventStream } from '../../cache/replay-stream.js';
import { completionOfJson, responseCaptureTap } from '../../cache/response-capture.js';
import type { ResponseStore, StoredResponse } from '../../cache/response-store.js';
import type { SemanticIndex } from '../../cache/semantic-index.js';
import { tenantIdOf, type TenantVariables } from '../../cache/tenant.js';
import type { CacheLayerVariables, CacheStatus } from '../../cache/variables.js';
import type { Logger } from '../../log/logger.js';
import type { GenerationEndpoint, GenerationRequests } from '../../openai/request-types.js';
import { completeBodyOf, hasNullBody, markCompleteBody } from '../../streams/complete-body.js';
import { tapResponseBody } from '../body-taps.js';

export const CACHE_STATUS_HEADER = 'x-slimgate-cache-status';
export const CACHE_SIMILARITY_HEADER = 'x-slimgate-cache-similarity';
export const BILLED_TOKENS_HEADER = 'x-slimgate-billed-tokens';

export const DEFAULT_CACHE_TTL_SECONDS = 3_600;
export const DEFAULT_MAX_CACHE_TTL_SECONDS = 7 * 24 * 3_600;
const DEFAULT_MAX_CAPTURED_BYTES = 4 * 1024 * 1024;

/** Hono variables that {@link resultCache} reads (tenant, openaiRequest) and sets. */
export type ResultCacheVariables = CacheLayerVariables &
  TenantVariables & {
    /** Set by validateOpenAI before this middleware runs. */
    openaiRequest?: GenerationRequests[GenerationEndpoint];
  };

export interface ResultCacheOptions<E extends GenerationEndpoint> {
  endpoint: E;
  store: ResponseStore;
  /** Semantic tier searched after an exact miss; omit for exact matching only. */
  semantic?: SemanticIndex;
  logger: Logger;
  /** Lifetime of stored responses without `x-slimgate-cache-ttl`, in seconds. Default 1 hour. */
  defaultTtlSeconds?: number;
  /** Largest accepted `x-slimgate-cache-ttl`, in seconds. Default 7 days. */
  maxTtlSeconds?: number;
  /** Non-streaming bodies over this size are not stored, in bytes. Default 4 MiB. */
  maxCapturedBytes?: number;
  /** Digest of the cache keys; Web Crypto's when omitted. */
  sha256Hex?: Sha256Hex;
}

type CacheContext = Context<{ Variables: ResultCacheVariables }>;

/**
 * Creates middleware that serves a repeated request from the cache and stores the complete
 * response of a miss, streaming or not. Mount it after validateOpenAI.
 *
 * Hits carry the original `usage` but bill zero tokens (`x-slimgate-billed-tokens: 0`). A
 * streaming request that hits gets the cached response as server-sent events.
 *
 * @example
 * const store = new MemoryResponseStore({ maxBytes: 64 << 20 });
 * app.post('/v1/chat/completions', validateOpenAI({ endpoint: 'chat.completions' }),
 *   resultCache({ endpoint: 'chat.completions', store, logger }), forward);
 */
export function resultCache<E extends GenerationEndpoint>(options: ResultCacheOptions<E>): MiddlewareHandler<{ Variables: ResultCacheVariables }> {
  const settings = validateOptions(options);
  const { endpoint, store, semantic, logger } = settings;
  const sha256Option = settings.sha256Hex === undefined ? {} : { sha256Hex: settings.sha256Hex };

  return async function resultCacheMiddleware(c, next) {
    const request = c.get('openaiRequest');
    if (request === undefined) throw new Error('resultCache: c.var.openaiRequest is not set; mount validateOpenAI before it.');

    const directive = parseCacheDirective((name) => c.req.header(name), settings);
    const keys = await computeCacheKeys({ tenantId: tenantIdOf(c), endpoint, request, withScope: semantic !== undefined, ...sha256Option });
    const sharable = allowsSharing(directive, isDeterministic(request));
    c.set('cacheDirective', directive);
    c.set('cacheKeys', keys);
    c.set('cacheSharable', sharable);

    const readAllowed = sharable && (directive.mode === 'default' || directive.mode === 'force');
    const writeAllowed = sharable && directive.mode !== 'no-cache';
    const text = semantic === undefined ? undefined : conversationText(endpoint, request);

    if (readAllowed) {
      const exact = await readStore(store, keys.exact, logger);
      if (exact !== undefined) return respondFromCache(c, exact, 'hit', undefined);

      if (semantic !== undefined && text !== undefined && keys.scope !== undefined) {
        const match = await semantic.lookup(keys.scope, text);
        const stored = match === undefined ? undefined : await readStore(store, match.cacheKey, logger);
        if (match !== undefined && stored !== undefined) return respondFromCache(c, stored, 'semantic-hit', match.similarity);
        // The response behind the entry expired or was evicted, so the entry can only miss.
        if (match !== undefined) await semantic.remove(match.cacheKey);
      }
    }

    const status: CacheStatus = readAllowed ? 'miss' : 'bypass';
    c.set('cacheStatus', status);
    c.header(CACHE_STATUS_HEADER, status);

    await next();

    const response = c.res;
    if (!writeAllowed || response.status !== 200 || hasNullBody(response)) return;
    // A request that joined another in-flight request gets the same bytes, which that one stores.
    if (c.get('coalescedRole') === 'joined') return;

    const onComplete = async (completion: CompletionObject): Promise<void> => {
      const value: StoredResponse = { endpoint, body: JSON.stringify(completion), storedAt: Date.now() };
      // The response itself is unaffected, so a failed write is logged rather than failing it.
      try {
        await store.set(keys.exact, value, directive.ttlSeconds);
        if (semantic !== undefined && text !== undefined && keys.scope !== undefined) await semantic.add(keys.scope, text, keys.exact);
      } catch (error) {
        logger.warn({ err: error, requestId: requestIdOf(c), store: store.name }, 'result cache write failed');
      }
    };
    const onSkip = (reason: string): void => logger.debug({ requestId: requestIdOf(c), reason }, 'response not cached');

    // A body already in memory is stored before the response goes out, as the capture below
    // does at the end of a stream.
    const complete = completeBodyOf(c.res);
    if (complete !== undefined) {
      const result = completionOfJson(complete, settings.maxCapturedBytes);
      if (typeof result === 'string') onSkip(result);
      else await onComplete(result);
      return;
    }

    // The forwarder requests usage on every stream (middleware/stream-usage). A stream without a
    // usage chunk comes from a backend that ignored the option, and the capture skips it.
    tapResponseBody(c, responseCaptureTap({ endpoint, streaming: request.stream === true, maxBodyBytes: settings.maxCapturedBytes, onComplete, onSkip }));
  };

  function respondFromCache(c: CacheContext, stored: StoredResponse, status: CacheStatus, similarity: number | undefined): Response {
    const completion = JSON.parse(stored.body) as CompletionObject;
    const usage = usageOf(completion);

    c.set('cacheStatus', status);
    c.set('billedTokens', 0);
    if (usage !== undefined) c.set('usage', usage);
    c.header(CACHE_STATUS_HEADER, status);
    c.header(BILLED_TOKENS_HEADER, '0');
    if (similarity !== undefined) {
      c.set('cacheSimilarity', similarity);
      c.header(CACHE_SIMILARITY_HEADER, similarity.toFixed(4));
    }

    const request = c.get('openaiRequest')!;
    if (request.stream !== true) return markCompleteBody(c.body(stored.body, 200, { 'content-type': 'application/json' }), stored.body);

    const includeUsage = request.stream_options?.include_usage === true;
    return c.body(replayEventStream(endpoint, completion, { includeUsage }), 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  }
}

/** Reads a tier; a failing store (for example the Cache API) is logged and counts as a miss. */
async function readStore(store: ResponseStore, key: string, logger: Logger): Promise<StoredResponse | undefined> {
  try {
    return await store.get(key);
  } catch (error) {
    logger.warn({ err: error, store: store.name }, 'result cache read failed; treating it as a miss');
    return undefined;
  }
}

function requestIdOf(c: CacheContext): string | undefined {
  return (c.var as { requestId?: string }).requestId;
}

function validateOptions<E extends GenerationEndpoint>(options: ResultCacheOptions<E>) {
  if (options?.endpoint !== 'completions' && options?.endpoint !== 'chat.completions') {
    throw new TypeError(`resultCache: options.endpoint must be completions or chat.completions, got ${JSON.stringify(options?.endpoint)}.`);
  }
  if (typeof options.store?.get !== 'function' || typeof options.store.set !== 'function') {
    throw new TypeError('resultCache: options.store must be a ResponseStore.');
  }
  if (typeof options.logger?.warn !== 'function') throw new TypeError('resultCache: options.logger must be a Logger.');

  const settings = {
    ...options,
    defaultTtlSeconds: options.defaultTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS,
    maxTtlSeconds: options.maxTtlSeconds ?? DEFAULT_MAX_CACHE_TTL_SECONDS,
    maxCapturedBytes: options.maxCapturedBytes ?? DEFAULT_MAX_CAPTURED_BYTES,
  };
  for (const name of ['defaultTtlSeconds', 'maxTtlSeconds', 'maxCapturedBytes'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] <= 0) throw new TypeError(`resultCache: options.${name} must be a positive integer, got ${String(settings[name])}.`);
  }
  if (settings.defaultTtlSeconds > settings.maxTtlSeconds) {
    throw new TypeError(`resultCache: options.defaultTtlSeconds (${settings.defaultTtlSeconds}) must not exceed options.maxTtlSeconds (${settings.maxTtlSeconds}).`);
  }
  return settings;
}
