/**
 * The contract between `/v1/embeddings` and a loaded embedding model.
 */

export interface EmbeddingModel {
  readonly id: string;
  /** Length of the vectors `embed` returns. */
  readonly dimension: number;
  /** Output sizes below `dimension` that the model was trained to be truncated to (Matryoshka); empty when none. */
  readonly truncatableDimensions: readonly number[];
  /** Maximum inputs in one forward pass. */
  readonly maxBatchSize: number;

  /** Counts the tokens the model reads for `text` (for usage). */
  countTokens(text: string): number;

  /** Embeds every text in one forward pass; each vector has unit L2 norm, or is zero for a text with no known token. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;

  close(): Promise<void>;
}

/** Scales `vector` to unit L2 norm in place; a zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * scale;
  return vector;
}
