/**
 * Computes the first principal component (top right singular vector) of the matrix whose rows
 * are `rows`, without centering, as the SIF sentence-embedding method does.
 *
 * Uses power iteration on the Gram matrix XᵀX from a fixed start vector, so the result is
 * deterministic. The sign is chosen so that the largest-magnitude entry is positive, which
 * makes results comparable across runs.
 */
export function firstPrincipalComponent(rows: Float32Array[], iterations = 200): Float32Array {
  const first = rows[0];
  if (first === undefined) {
    throw new RangeError('cannot compute a principal component of zero rows');
  }
  const dimension = first.length;

  const gram = new Float64Array(dimension * dimension);
  for (const row of rows) {
    if (row.length !== dimension) {
      throw new RangeError(`row has length ${row.length}, expected ${dimension}`);
    }
    for (let i = 0; i < dimension; i++) {
      for (let j = 0; j < dimension; j++) gram[i * dimension + j]! += row[i]! * row[j]!;
    }
  }

  let current = new Float64Array(dimension).fill(1 / Math.sqrt(dimension));
  for (let step = 0; step < iterations; step++) {
    const next = new Float64Array(dimension);
    for (let i = 0; i < dimension; i++) {
      for (let j = 0; j < dimension; j++) next[i]! += gram[i * dimension + j]! * current[j]!;
    }

    const norm = Math.hypot(...next);
    if (norm === 0) throw new RangeError('cannot compute a principal component of all-zero rows');
    for (let i = 0; i < dimension; i++) next[i] = next[i]! / norm;
    current = next;
  }

  let largest = 0;
  for (let i = 1; i < dimension; i++) {
    if (Math.abs(current[i]!) > Math.abs(current[largest]!)) largest = i;
  }
  const sign = current[largest]! < 0 ? -1 : 1;
  return Float32Array.from(current, (value) => sign * value);
}
