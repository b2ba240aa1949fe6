/**
 * Indexes of cached requests by meaning. Each entry is the embedded conversation of a cached
 * request and points at the exact cache key of its response. A lookup searches only the entries
 * of the same scope: tenant, endpoint, model and every parameter except the messages or prompt.
 */

import { LRUCache } from 'lru-cache';

import type { SemanticMatcher } from './semantic-matcher.js';

export interface SemanticMatch {
  /** Exact cache key of the matched request's stored response. */
  cacheKey: string;
  similarity: number;
}

export interface SemanticIndex {
  readonly name: string;
  /** Returns the most similar entry of `scope` that the matcher accepts, if any. */
  lookup(scope: string, text: string): Promise<SemanticMatch | undefined>;
  add(scope: string, text: string, cacheKey: string): Promise<void>;
  /** Drops the entry of `cacheKey`, for example after its response expired. */
  remove(cacheKey: string): Promise<void>;
}

export interface MemorySemanticIndexOptions {
  /** Entries kept before the least recently used one is evicted. */
  maxEntries: number;
  /** Upper bound of the embeddings' summed size in bytes, as the matcher estimates it. */
  maxBytes: number;
}

interface IndexEntry<V> {
  scope: string;
  embedding: V;
}

/**
 * In-process index with a linear scan per scope, bounded by entries and bytes with LRU eviction.
 * A lookup costs one embedding plus one comparison per entry in the scope.
 *
 * @example
 * const index = new MemorySemanticIndex(combinedScorerMatcher(scorer), { maxEntries: 1000, maxBytes: 64 << 20 });
 */
export class MemorySemanticIndex<V> implements SemanticIndex {
  readonly name: string;
  private readonly matcher: SemanticMatcher<V>;
  private readonly entries: LRUCache<string, IndexEntry<V>>;
  private readonly keysByScope = new Map<string, Set<string>>();

  constructor(matcher: SemanticMatcher<V>, options: MemorySemanticIndexOptions) {
    for (const name of ['maxEntries', 'maxBytes'] as const) {
      const value = options?.[name];
      if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`MemorySemanticIndex: options.${name} must be a positive integer, got ${String(value)}.`);
    }

    this.matcher = matcher;
    this.name = `memory:${matcher.name}`;
    this.entries = new LRUCache<string, IndexEntry<V>>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => Math.max(1, matcher.sizeOf(entry.embedding)),
      // Keeps the per-scope key sets in step with evictions, so they stay bounded too.
      dispose: (entry, cacheKey) => this.forget(entry.scope, cacheKey),
    });
  }

  async lookup(scope: string, text: string): Promise<SemanticMatch | undefined> {
    const keys = this.keysByScope.get(scope);
    if (keys === undefined || keys.size === 0) return undefined;

    const query = await this.matcher.embed(text);
    let best: SemanticMatch | undefined;
    for (const cacheKey of keys) {
      const entry = this.entries.peek(cacheKey);
      if (entry === undefined) continue;

      const result = this.matcher.match(query, entry.embedding);
      if (result.isMatch && (best === undefined || result.similarity > best.similarity)) best = { cacheKey, similarity: result.similarity };
    }

    // Only a hit counts as a use for the LRU order.
    if (best !== undefined) this.entries.get(best.cacheKey);
    return best;
  }

  async add(scope: string, text: string, cacheKey: string): Promise<void> {
    const embedding = await this.matcher.embed(text);
    this.entries.set(cacheKey, { scope, embedding });

    let keys = this.keysByScope.get(scope);
    if (keys === undefined) {
      keys = new Set();
      this.keysByScope.set(scope, keys);
    }
    keys.add(cacheKey);
  }

  async remove(cacheKey: string): Promise<void> {
    this.entries.delete(cacheKey);
  }

  /** Number of indexed entries. */
  get size(): number {
    return this.entries.size;
  }

  private forget(scope: string, cacheKey: string): void {
    const keys = this.keysByScope.get(scope);
    if (keys === undefined) return;
    keys.delete(cacheKey);
    if (keys.size === 0) this.keysByScope.delete(scope);
  }
}
