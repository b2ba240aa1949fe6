/** Dense-vector helpers shared by the embedders and the scorer. */

export function dot(left: Float32Array, right: Float32Array): number {
  if (left.length !== right.length) {
    throw new RangeError(`vector lengths differ: ${left.length} and ${right.length}`);
  }

  let sum = 0;
  for (let i = 0; i < left.length; i++) sum += left[i]! * right[i]!;
  return sum;
}

export function euclideanNorm(vector: Float32Array): number {
  return Math.sqrt(dot(vector, vector));
}

/**
 * Returns the cosine similarity in [-1, 1], or 0 when either vector is all zeros (a text with
 * no known words has no direction, so it is treated as unrelated to everything).
 */
export function cosineSimilarity(left: Float32Array, right: Float32Array): number {
  const denominator = euclideanNorm(left) * euclideanNorm(right);
  if (denominator === 0) return 0;

  // Rounding can push the ratio of identical vectors slightly past 1.
  return Math.max(-1, Math.min(1, dot(left, right) / denominator));
}

/** Scales `vector` in place to unit length; an all-zero vector stays zero. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  const norm = euclideanNorm(vector);
  if (norm === 0) return vector;

  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}
