/**
 * Semantic index on Cloudflare Vectorize, for Workers where the in-memory index would be per
 * isolate. Scopes map to Vectorize namespaces and cache keys to vector ids.
 *
 * NOTE: only type-checked here; Vectorize has no local emulation in this project's wrangler
 * version, so no test runs this adapter.
 */

import type { SemanticIndex, SemanticMatch } from './semantic-index.js';
import type { Embedder } from './semantic/embedder.js';
import { findMismatch } from './semantic/false-hit-guard.js';

/** The subset of a Vectorize binding that {@link VectorizeSemanticIndex} calls. */
export interface VectorizeBinding {
  query(
    vector: number[],
    options: { topK: number; namespace: string; returnMetadata: 'all' },
  ): Promise<{ matches: { id: string; score: number; metadata?: Record<string, unknown> }[] }>;
  upsert(vectors: { id: string; values: number[]; namespace: string; metadata: Record<string, string> }[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

export interface VectorizeSemanticIndexOptions {
  /** Minimum cosine score; the index must use the cosine metric. */
  threshold: number;
  /** Candidates fetched per lookup before the false-hit guard. Default 5. */
  topK?: number;
}

/** Looks up the nearest vectors of a scope and returns the best one that passes the false-hit guard. */
export class VectorizeSemanticIndex implements SemanticIndex {
  readonly name = 'vectorize';
  private readonly embedder: Embedder;
  private readonly binding: VectorizeBinding;
  private readonly threshold: number;
  private readonly topK: number;

  constructor(embedder: Embedder, binding: VectorizeBinding, options: VectorizeSemanticIndexOptions) {
    this.embedder = embedder;
    this.binding = binding;
    this.threshold = options.threshold;
    this.topK = options.topK ?? 5;
  }

  async lookup(scope: string, text: string): Promise<SemanticMatch | undefined> {
    const [vector] = await this.embedder.embed([text]);
    const { matches } = await this.binding.query(Array.from(vector!), { topK: this.topK, namespace: scope, returnMetadata: 'all' });

    for (const match of matches) {
      if (match.score < this.threshold) break;
      const candidateText = match.metadata?.text;
      if (typeof candidateText === 'string' && findMismatch(text, candidateText) === null) return { cacheKey: match.id, similarity: match.score };
    }
    return undefined;
  }

  async add(scope: string, text: string, cacheKey: string): Promise<void> {
    const [vector] = await this.embedder.embed([text]);
    // Vectorize metadata values are limited in size, so only the start of the text is kept for the guard.
    await this.binding.upsert([{ id: cacheKey, values: Array.from(vector!), namespace: scope, metadata: { text: text.slice(0, 2_000) } }]);
  }

  async remove(cacheKey: string): Promise<void> {
    await this.binding.deleteByIds([cacheKey]);
  }
}
