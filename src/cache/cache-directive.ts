/**
 * Per-request cache control through request headers.
 *
 * | `x-slimgate-cache` | lookup | store | coalescing |
 * | ------------------ | ------ | ----- | ---------- |
 * | (absent)           | yes    | yes   | yes        |
 * | `force`            | yes    | yes   | yes, also for non-deterministic requests |
 * | `refresh`          | no     | yes, replacing the entry | yes |
 * | `no-cache`         | no     | no    | yes        |
 * | `no-store`         | no     | no    | no: the request gets its own backend call |
 *
 * Without `force`, only deterministic requests (temperature 0 or a `seed`) are cached or
 * coalesced. `x-slimgate-cache-ttl` sets the lifetime of a stored response in whole seconds.
 */

import { invalidRequest } from '../openai/errors.js';

export const CACHE_HEADER = 'x-slimgate-cache';
export const CACHE_TTL_HEADER = 'x-slimgate-cache-ttl';

export const CACHE_MODES = ['default', 'force', 'refresh', 'no-cache', 'no-store'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export interface CacheDirective {
  mode: CacheMode;
  /** Lifetime of a response stored by this request, in seconds. */
  ttlSeconds: number;
}

export interface CacheDirectiveLimits {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

/** Reads the cache headers; throws a 400 ApiError naming the header when a value is invalid. */
export function parseCacheDirective(header: (name: string) => string | undefined, limits: CacheDirectiveLimits): CacheDirective {
  const modeText = header(CACHE_HEADER)?.trim().toLowerCase();
  let mode: CacheMode = 'default';
  if (modeText !== undefined && modeText !== '') {
    if (modeText === 'default' || !(CACHE_MODES as readonly string[]).includes(modeText)) {
      throw invalidRequest(
        `The ${CACHE_HEADER} header must be one of force, refresh, no-cache or no-store, got ${JSON.stringify(modeText)}.`,
        null,
        'invalid_cache_header',
      );
    }
    mode = modeText as CacheMode;
  }

  const ttlText = header(CACHE_TTL_HEADER)?.trim();
  let ttlSeconds = limits.defaultTtlSeconds;
  if (ttlText !== undefined && ttlText !== '') {
    ttlSeconds = Number(ttlText);
    if (!/^\d+$/.test(ttlText) || ttlSeconds < 1 || ttlSeconds > limits.maxTtlSeconds) {
      throw invalidRequest(
        `The ${CACHE_TTL_HEADER} header must be a whole number of seconds from 1 to ${limits.maxTtlSeconds}, got ${JSON.stringify(ttlText)}.`,
        null,
        'invalid_cache_header',
      );
    }
  }

  return { mode, ttlSeconds };
}

/** Returns whether the request may be served from, or share, another request's result. */
export function allowsSharing(directive: CacheDirective, deterministic: boolean): boolean {
  return directive.mode !== 'no-store' && (deterministic || directive.mode === 'force');
}
