/**
 * Recently served requests by request id, so that client feedback can be attributed to the
 * model and variant that produced the response. Bounded by count and age (lru-cache).
 */

import { LRUCache } from 'lru-cache';

export interface ServedVariant {
  tenant: string;
  model: string;
  variant: string;
}

export interface RequestIndexOptions {
  /** Requests remembered; the least recently used are forgotten first. Default 10 000. */
  maxEntries?: number;
  /** Time after which feedback for a request is no longer accepted, in ms. Default 1 hour. */
  ttlMs?: number;
}

export class RequestIndex {
  readonly #entries: LRUCache<string, ServedVariant>;

  constructor(options: RequestIndexOptions = {}) {
    this.#entries = new LRUCache<string, ServedVariant>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 60 * 60 * 1000 });
  }

  remember(requestId: string, served: ServedVariant): void {
    this.#entries.set(requestId, served);
  }

  find(requestId: string): ServedVariant | undefined {
    return this.#entries.get(requestId);
  }
}
