/**
 * Result cache, coalescing and batching settings, read from string variables (wrangler `[vars]`
 * in workerd, `process.env` in Node).
 *
 * | variable                   | meaning                                                      | default   |
 * | -------------------------- | ------------------------------------------------------------ | --------- |
 * | RESULT_CACHE               | off, exact, or semantic (exact plus the semantic tier)       | exact     |
 * | CACHE_MAX_BYTES            | size bound of the in-memory exact tier, in bytes             | 67108864  |
 * | CACHE_TTL_SECONDS          | lifetime of a stored response, in seconds                    | 3600      |
 * | CACHE_MAX_TTL_SECONDS      | largest accepted `x-slimgate-cache-ttl`, in seconds          | 604800    |
 * | SEMANTIC_CACHE_MAX_ENTRIES | entries of the in-memory semantic index before LRU eviction  | 2000      |
 * | SEMANTIC_CACHE_THRESHOLD   | minimum match score from 0 to 1; the learned default if unset | model's   |
 * | COALESCING                 | on or off: share one backend call among identical requests   | on        |
 * | COALESCING_MAX_BUFFER_BYTES| bytes of a shared response buffered for late joiners         | 1048576   |
 * | BATCHING                   | JSON: backend name to {maxBatchSize, maxDelayMs} (batching/settings.ts) | none |
 */

import { readBatchingSettings, type BatchingSettings } from '../batching/settings.js';

export type ResultCacheMode = 'off' | 'exact' | 'semantic';

export interface CacheSettings {
  mode: ResultCacheMode;
  maxBytes: number;
  ttlSeconds: number;
  maxTtlSeconds: number;
  semanticMaxEntries: number;
  /** Undefined means the learned scorer's default threshold. */
  semanticThreshold: number | undefined;
  coalescing: boolean;
  coalescingMaxBufferBytes: number;
  /** Batched backends by name; empty turns batching off. */
  batching: BatchingSettings;
}

export interface CacheSettingsSource {
  RESULT_CACHE?: unknown;
  CACHE_MAX_BYTES?: unknown;
  CACHE_TTL_SECONDS?: unknown;
  CACHE_MAX_TTL_SECONDS?: unknown;
  SEMANTIC_CACHE_MAX_ENTRIES?: unknown;
  SEMANTIC_CACHE_THRESHOLD?: unknown;
  COALESCING?: unknown;
  COALESCING_MAX_BUFFER_BYTES?: unknown;
  BATCHING?: unknown;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  mode: 'exact',
  maxBytes: 64 * 1024 * 1024,
  ttlSeconds: 3_600,
  maxTtlSeconds: 7 * 24 * 3_600,
  semanticMaxEntries: 2_000,
  semanticThreshold: undefined,
  coalescing: true,
  coalescingMaxBufferBytes: 1024 * 1024,
  batching: {},
};

/** Flights tracked at once by the coalescing registry. */
export const MAX_FLIGHTS = 10_000;

/** Reads the settings, adding a message to `problems` for each invalid variable. */
export function readCacheSettings(variables: Readonly<CacheSettingsSource>, problems: string[]): CacheSettings {
  const defaults = DEFAULT_CACHE_SETTINGS;
  const integer = (value: unknown, name: string, unit: string, fallback: number) => {
    if (value === undefined || value === '') return fallback;
    const text = String(value).trim();
    const number = Number(text);
    if (/^\d+$/.test(text) && Number.isSafeInteger(number) && number > 0) return number;
    problems.push(`${name} must be a positive integer number of ${unit}, got ${JSON.stringify(value)}.`);
    return fallback;
  };

  const mode = choice(variables.RESULT_CACHE, 'RESULT_CACHE', ['off', 'exact', 'semantic'] as const, defaults.mode, problems);
  const coalescing = choice(variables.COALESCING, 'COALESCING', ['on', 'off'] as const, 'on', problems) === 'on';

  let semanticThreshold: number | undefined;
  if (variables.SEMANTIC_CACHE_THRESHOLD !== undefined && variables.SEMANTIC_CACHE_THRESHOLD !== '') {
    semanticThreshold = Number(variables.SEMANTIC_CACHE_THRESHOLD);
    if (!(semanticThreshold >= 0 && semanticThreshold <= 1)) {
      problems.push(`SEMANTIC_CACHE_THRESHOLD must be a number from 0 to 1, got ${JSON.stringify(variables.SEMANTIC_CACHE_THRESHOLD)}.`);
      semanticThreshold = undefined;
    }
  }

  const settings: CacheSettings = {
    mode,
    maxBytes: integer(variables.CACHE_MAX_BYTES, 'CACHE_MAX_BYTES', 'bytes', defaults.maxBytes),
    ttlSeconds: integer(variables.CACHE_TTL_SECONDS, 'CACHE_TTL_SECONDS', 'seconds', defaults.ttlSeconds),
    maxTtlSeconds: integer(variables.CACHE_MAX_TTL_SECONDS, 'CACHE_MAX_TTL_SECONDS', 'seconds', defaults.maxTtlSeconds),
    semanticMaxEntries: integer(variables.SEMANTIC_CACHE_MAX_ENTRIES, 'SEMANTIC_CACHE_MAX_ENTRIES', 'entries', defaults.semanticMaxEntries),
    semanticThreshold,
    coalescing,
    coalescingMaxBufferBytes: integer(variables.COALESCING_MAX_BUFFER_BYTES, 'COALESCING_MAX_BUFFER_BYTES', 'bytes', defaults.coalescingMaxBufferBytes),
    batching: readBatchingSettings(variables.BATCHING, problems),
  };
  if (settings.ttlSeconds > settings.maxTtlSeconds) problems.push(`CACHE_TTL_SECONDS (${settings.ttlSeconds}) must not exceed CACHE_MAX_TTL_SECONDS (${settings.maxTtlSeconds}).`);
  return settings;
}

function choice<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T, problems: string[]): T {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`);
  return fallback;
}
