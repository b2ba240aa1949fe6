/**
 * Storage of complete responses under their exact cache key.
 */

import { LRUCache } from 'lru-cache';

import type { GenerationEndpoint } from '../openai/request-types.js';

/** A cached response: the serialized completion object and when it was stored. */
export interface StoredResponse {
  endpoint: GenerationEndpoint;
  /** JSON text of the complete `chat.completion` or `text_completion` object. */
  body: string;
  /** Unix time in milliseconds. */
  storedAt: number;
}

/** One tier of the result cache; keys are the hex digests of {@link computeCacheKeys}. */
export interface ResponseStore {
  readonly name: string;
  get(key: string): Promise<StoredResponse | undefined>;
  /** Stores `value` for `ttlSeconds`. */
  set(key: string, value: StoredResponse, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface MemoryResponseStoreOptions {
  /** Upper bound of the summed entry sizes, in bytes (UTF-16 string sizes, an estimate). */
  maxBytes: number;
}

/**
 * In-process tier: an LRU bounded by bytes, whose entries also expire after their TTL.
 *
 * @example
 * const store = new MemoryResponseStore({ maxBytes: 64 * 1024 * 1024 });
 */
export class MemoryResponseStore implements ResponseStore {
  readonly name = 'memory';
  private readonly entries: LRUCache<string, StoredResponse>;

  constructor(options: MemoryResponseStoreOptions) {
    if (!Number.isSafeInteger(options?.maxBytes) || options.maxBytes <= 0) {
      throw new TypeError(`MemoryResponseStore: options.maxBytes must be a positive integer, got ${String(options?.maxBytes)}.`);
    }

    this.entries = new LRUCache<string, StoredResponse>({
      maxSize: options.maxBytes,
      // JavaScript strings take two bytes per UTF-16 code unit; the key is 64 hex digits.
      sizeCalculation: (value, key) => 2 * (value.body.length + key.length) + 64,
    });
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: StoredResponse, ttlSeconds: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Summed sizes of the stored entries, in bytes. */
  get calculatedSize(): number {
    return this.entries.calculatedSize;
  }
}

/** The subset of the Workers Cache API (`caches.default`) that {@link CacheApiResponseStore} uses. */
export interface CacheApi {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
  delete(request: Request): Promise<boolean>;
}

/** Origin of the synthetic URLs under which responses are stored; never fetched. */
const CACHE_URL_ORIGIN = 'https://result-cache.slimgate.internal';

/**
 * Shared tier on Cloudflare's Cache API, which is shared by the Worker's isolates in one
 * data center. Entries expire through `Cache-Control: max-age`.
 *
 * @example
 * const store = new CacheApiResponseStore(caches.default);
 */
export class CacheApiResponseStore implements ResponseStore {
  readonly name = 'cache-api';
  private readonly cache: CacheApi;

  constructor(cache: CacheApi) {
    if (typeof cache?.match !== 'function' || typeof cache.put !== 'function') {
      throw new TypeError('CacheApiResponseStore: cache must be a Cache API object such as caches.default.');
    }
    this.cache = cache;
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    const response = await this.cache.match(this.requestFor(key));
    if (response === undefined) return undefined;

    const endpoint = response.headers.get('x-slimgate-endpoint');
    if (endpoint !== 'completions' && endpoint !== 'chat.completions') {
      await response.body?.cancel();
      return undefined;
    }
    return { endpoint, body: await response.text(), storedAt: Number(response.headers.get('x-slimgate-stored-at')) };
  }

  async set(key: string, value: StoredResponse, ttlSeconds: number): Promise<void> {
    const headers = {
      'content-type': 'application/json',
      'cache-control': `max-age=${ttlSeconds}`,
      'x-slimgate-endpoint': value.endpoint,
      'x-slimgate-stored-at': String(value.storedAt),
    };
    await this.cache.put(this.requestFor(key), new Response(value.body, { headers }));
  }

  async delete(key: string): Promise<void> {
    await this.cache.delete(this.requestFor(key));
  }

  private requestFor(key: string): Request {
    return new Request(`${CACHE_URL_ORIGIN}/v1/${key}`);
  }
}

/**
 * Reads the tiers in order and copies a hit into the faster tiers before it; writes and deletes
 * go to every tier.
 */
export class TieredResponseStore implements ResponseStore {
  readonly name: string;
  private readonly tiers: readonly ResponseStore[];

  constructor(tiers: readonly ResponseStore[]) {
    if (tiers.length === 0) throw new TypeError('TieredResponseStore: at least one tier is required.');
    this.tiers = tiers;
    this.name = tiers.map((tier) => tier.name).join('+');
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    for (const [index, tier] of this.tiers.entries()) {
      const value = await tier.get(key);
      if (value === undefined) continue;

      // NOTE: the copy keeps a fixed one-minute TTL, because tiers do not report the time left.
      await Promise.all(this.tiers.slice(0, index).map((faster) => faster.set(key, value, PROMOTED_TTL_SECONDS)));
      return value;
    }
    return undefined;
  }

  async set(key: string, value: StoredResponse, ttlSeconds: number): Promise<void> {
    await Promise.all(this.tiers.map((tier) => tier.set(key, value, ttlSeconds)));
  }

  async delete(key: string): Promise<void> {
    await Promise.all(this.tiers.map((tier) => tier.delete(key)));
  }
}

const PROMOTED_TTL_SECONDS = 60;
