/**
 * Requests-per-minute, tokens-per-minute and budget enforcement per API key, with the cost of each
 * request settled from the backend's real `usage`.
 */

import type { Context, MiddlewareHandler } from 'hono';

import type { Logger } from '../../log/logger.js';
import { completeBodyOf, hasNullBody } from '../../streams/complete-body.js';
import { costOf, estimateUsage, type PriceTable, type TokenUsage } from '../../tenancy/pricing.js';
import { usageOfJson, usageTap, type BodyOutcome } from '../../tenancy/usage-tap.js';
import type { UsageStore } from '../../tenancy/usage-store.js';
import type { TenancyVariables } from '../../tenancy/variables.js';
import { tapResponseBody } from '../body-taps.js';
import { BILLED_TOKENS_HEADER } from '../cache/index.js';
import type { GenerationRequest } from '../limits/request-measures.js';
import { limitExceeded } from './errors.js';

/** The settled usage and cost of one request, reported through `onSettled`. */
export interface SpendRecord {
  tenantId: string;
  /** Undefined when authentication is off. */
  keyId: string | undefined;
  model: string;
  usage: TokenUsage;
  costUsd: number;
  /** True when the backend reported no usage and the reservation's estimate was charged. */
  estimated: boolean;
  /** The key's total settled spend afterwards, in US dollars; undefined without a key. */
  keySpentUsd: number | undefined;
}

export interface UsageLimitsOptions {
  store: UsageStore;
  /** US dollars per million tokens per model; models not listed cost nothing. */
  prices: PriceTable;
  /** Completion tokens reserved for a request without max_tokens. */
  defaultCompletionTokens: number;
  logger: Logger;
  /** Receives every settled request, for metrics. Must not throw. */
  onSettled?: (record: SpendRecord) => void;
  /** Current time in ms since the epoch; replaceable in tests. */
  now?: () => number;
}

interface UsageLimitsVariables extends TenancyVariables {
  openaiRequest?: GenerationRequest;
  requestId?: string;
}

/**
 * Creates middleware that reserves the request's estimated tokens and cost against its key's
 * limits before the request goes on. A reached rate limit gets 429 with `Retry-After`, and a spent
 * budget gets 429 `insufficient_quota`. Once the response body has ended, the reservation is
 * settled with the real usage. Without an API key (authentication off) it only
 * reports spend. Apply it after validateOpenAI and the auth middleware.
 *
 * @example
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }),
 *   usageLimits({ store: new MemoryUsageStore(), prices, defaultCompletionTokens: 1024, logger }), handler);
 */
export function usageLimits(options: UsageLimitsOptions): MiddlewareHandler<{ Variables: UsageLimitsVariables }> {
  const { store, prices, defaultCompletionTokens, logger, onSettled } = options;
  if (typeof store?.reserve !== 'function' || typeof store.settle !== 'function') {
    throw new TypeError('usageLimits: options.store must be a UsageStore.');
  }
  if (!Number.isSafeInteger(defaultCompletionTokens) || defaultCompletionTokens <= 0) {
    throw new TypeError(`usageLimits: options.defaultCompletionTokens must be a positive integer, got ${String(defaultCompletionTokens)}.`);
  }
  const now = options.now ?? Date.now;

  return async function usageLimitsMiddleware(c, next) {
    const request = c.get('openaiRequest');
    if (request === undefined) throw new TypeError('usageLimits: apply validateOpenAI before this middleware.');
    const key = c.get('apiKey');

    const estimate = estimateUsage(request, defaultCompletionTokens);
    const estimatedCost = costOf(prices, request.model, estimate);
    const reservationId = crypto.randomUUID();

    if (key !== undefined) {
      const result = await store.reserve(key.id, {
        reservationId,
        tokens: estimate.prompt_tokens + estimate.completion_tokens,
        costUsd: estimatedCost,
        limits: key.limits,
        nowMs: now(),
      });
      if (!result.ok) throw limitExceeded(result.limit, key.id, key.limits, result.retryAfterSeconds);
    }

    const settleWith = async (usage: TokenUsage | undefined, outcome: BodyOutcome | 'error'): Promise<void> => {
      // A failed or cached request is free; a request whose usage is unknown is charged its estimate.
      const charged = outcome === 'error' ? { prompt_tokens: 0, completion_tokens: 0 } : (usage ?? estimate);
      const costUsd = costOf(prices, request.model, charged);
      const keySpentUsd =
        key === undefined
          ? undefined
          : await store.settle(key.id, {
              reservationId,
              tokens: charged.prompt_tokens + charged.completion_tokens,
              costUsd,
              limits: key.limits,
              nowMs: now(),
            });
      if (usage === undefined && outcome !== 'error') {
        logger.debug({ requestId: c.get('requestId'), keyId: key?.id, outcome }, 'no usage in the response; charged the estimate');
      }
      onSettled?.({ tenantId: c.get('tenant').id, keyId: key?.id, model: request.model, usage: charged, costUsd, estimated: usage === undefined && outcome !== 'error', keySpentUsd });
    };

    await next();
    await settleAfterBody(c, request, settleWith);
  };
}

/** Replaces the response body with a tap that settles once the body ends, or settles now for an error. */
async function settleAfterBody(
  c: Context<{ Variables: UsageLimitsVariables }>,
  request: GenerationRequest,
  settleWith: (usage: TokenUsage | undefined, outcome: BodyOutcome | 'error') => Promise<void>,
): Promise<void> {
  const response = c.res;
  // A cached response used no backend, so it costs nothing, though its body still carries usage.
  if (!response.ok || hasNullBody(response) || response.headers.get(BILLED_TOKENS_HEADER) === '0') {
    await settleWith(undefined, 'error');
    return;
  }

  // A body already in memory is read here and settled before the client gets any of it, as
  // the tap below does at the end of a stream.
  const complete = completeBodyOf(c.res);
  if (complete !== undefined) {
    await settleWith(usageOfJson(complete), 'complete');
    return;
  }

  const format = request.stream === true ? 'event-stream' : 'json';
  tapResponseBody(c, usageTap(format, settleWith));
}
