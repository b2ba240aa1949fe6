/**
 * Maps texts to fixed-length vectors whose cosine similarity estimates how close the texts
 * are in meaning.
 *
 * Implementations are deterministic: the same text always yields the same vector.
 */
export interface Embedder {
  /** Short identifier used in logs and benchmark tables. */
  readonly name: string;
  /** Length of every vector that {@link Embedder.embed} returns. */
  readonly dimension: number;
  /** Returns one vector per input text, in input order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}
