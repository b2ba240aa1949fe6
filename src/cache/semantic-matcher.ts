/**
 * Similarity decisions for the semantic cache tier, behind one interface so the embedding
 * model can change: the learned combined scorer computed in-process (the default), or any
 * {@link Embedder}, such as the backend's `/v1/embeddings` or Workers AI, compared by cosine.
 */

import type { CombinedScorer } from './semantic/combined-scorer.js';
import type { Embedder } from './semantic/embedder.js';
import { findMismatch } from './semantic/false-hit-guard.js';
import type { EmbeddedText } from './semantic/pair-features.js';
import { cosineSimilarity } from './semantic/vector-math.js';

export interface MatchResult {
  /** Similarity in the matcher's own scale: a probability for the combined scorer, a cosine otherwise. */
  similarity: number;
  /** Whether the similarity reaches the threshold and the false-hit guard passed. */
  isMatch: boolean;
}

/** Embeds texts into values of type `V` and decides whether two of them are the same request. */
export interface SemanticMatcher<V = unknown> {
  readonly name: string;
  readonly threshold: number;
  embed(text: string): Promise<V>;
  match(query: V, candidate: V): MatchResult;
  /** Approximate memory held by one embedded value, in bytes, for the index's size bound. */
  sizeOf(value: V): number;
}

/**
 * Creates the default matcher: the logistic combination of trigram TF-IDF and GloVe SIF cosines learned
 * from the STS Benchmark, with the scorer's own threshold and false-hit guard.
 */
export function combinedScorerMatcher(scorer: CombinedScorer): SemanticMatcher<EmbeddedText> {
  return {
    name: 'combined',
    threshold: scorer.threshold,
    embed: async (text) => (await scorer.embedTexts([text]))[0]!,
    match: (query, candidate) => {
      const decision = scorer.decide(query, candidate);
      return { similarity: decision.score, isMatch: decision.isMatch };
    },
    sizeOf: (value) => value.trigram.byteLength + value.glove.byteLength + 2 * value.text.length,
  };
}

/** A text with one embedding vector. */
export interface VectorText {
  text: string;
  vector: Float32Array;
}

export interface EmbedderMatcherOptions {
  /** Minimum cosine similarity for a match; tune it per embedding model. */
  threshold: number;
  /** Apply the false-hit guard (negation, antonym, number and name flips). Default true. */
  guard?: boolean;
}

/**
 * Matches by cosine similarity of one embedder's vectors, then applies the false-hit guard.
 *
 * @example
 * const matcher = embedderMatcher(new OpenAIEmbeddingsClient({ baseURL, model: 'minilm' }), { threshold: 0.92 });
 */
export function embedderMatcher(embedder: Embedder, options: EmbedderMatcherOptions): SemanticMatcher<VectorText> {
  if (!(options.threshold >= -1 && options.threshold <= 1)) {
    throw new RangeError(`embedderMatcher: options.threshold must be a cosine in [-1, 1], got ${String(options.threshold)}.`);
  }
  const guard = options.guard ?? true;

  return {
    name: embedder.name,
    threshold: options.threshold,
    embed: async (text) => ({ text, vector: (await embedder.embed([text]))[0]! }),
    match: (query, candidate) => {
      const similarity = cosineSimilarity(query.vector, candidate.vector);
      const isMatch = similarity >= options.threshold && (!guard || findMismatch(query.text, candidate.text) === null);
      return { similarity, isMatch };
    },
    sizeOf: (value) => value.vector.byteLength + 2 * value.text.length,
  };
}
