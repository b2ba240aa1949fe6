import type { Embedder } from './embedder.js';
import { tokenizeWords, vocabularyKeys } from './tokenize.js';

/** Smoothing constant `a` of smooth inverse frequency: a word with p(w) = 1e-3 gets weight 0.5. */
export const DEFAULT_SIF_SMOOTHING = 1e-3;

export interface GloveSifTables {
  /** Word vectors, all of length `dimension`, keyed by lowercase word. */
  vectors: ReadonlyMap<string, Float32Array>;
  dimension: number;
  /** Unigram probability p(w) of each word, from a large corpus. */
  wordProbabilities: ReadonlyMap<string, number>;
  /** p(w) assumed for a word that has a vector but no count: rare, so close to full weight. */
  unseenWordProbability: number;
}

export interface GloveSifOptions {
  /** Smoothing constant `a` in the weight a / (a + p(w)). */
  smoothing?: number;
  /**
   * Unit vector removed from every embedding (the common direction of a reference corpus), or
   * null to keep the raw weighted average.
   */
  principalComponent: Float32Array | null;
}

/**
 * Embeds a text as the smooth-inverse-frequency (SIF) weighted average of its GloVe word
 * vectors, weight a / (a + p(w)), minus its projection on the first principal component of a
 * reference corpus, which carries the direction shared by all sentences.
 *
 * Words without a vector are skipped. A text with no known word embeds as the zero vector.
 */
export class GloveSifEmbedder implements Embedder {
  readonly name = 'glove-sif';
  readonly dimension: number;

  private readonly tables: GloveSifTables;
  private readonly smoothing: number;
  private readonly principalComponent: Float32Array | null;

  constructor(tables: GloveSifTables, options: GloveSifOptions) {
    const component = options.principalComponent;
    if (component !== null && component.length !== tables.dimension) {
      throw new RangeError(
        `principal component has length ${component.length}, expected ${tables.dimension}`,
      );
    }

    this.tables = tables;
    this.dimension = tables.dimension;
    this.smoothing = options.smoothing ?? DEFAULT_SIF_SMOOTHING;
    this.principalComponent = component;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  /** Synchronous form of {@link embed} for one text. */
  embedOne(text: string): Float32Array {
    const sum = new Float32Array(this.dimension);
    let knownWords = 0;

    for (const token of tokenizeWords(text)) {
      const entry = this.lookUp(token);
      if (entry === undefined) continue;

      const weight = this.smoothing / (this.smoothing + entry.probability);
      for (let i = 0; i < this.dimension; i++) sum[i]! += weight * entry.vector[i]!;
      knownWords++;
    }

    if (knownWords === 0) return sum;
    for (let i = 0; i < this.dimension; i++) sum[i] = sum[i]! / knownWords;

    if (this.principalComponent !== null) removeProjection(sum, this.principalComponent);
    return sum;
  }

  private lookUp(token: string): { vector: Float32Array; probability: number } | undefined {
    for (const key of vocabularyKeys(token)) {
      const vector = this.tables.vectors.get(key);
      if (vector === undefined) continue;

      const probability =
        this.tables.wordProbabilities.get(key) ?? this.tables.unseenWordProbability;
      return { vector, probability };
    }
    return undefined;
  }
}

/** Subtracts from `vector`, in place, its projection on the unit vector `direction`. */
function removeProjection(vector: Float32Array, direction: Float32Array): void {
  let projection = 0;
  for (let i = 0; i < vector.length; i++) projection += vector[i]! * direction[i]!;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! - projection * direction[i]!;
}
