/** Pareto front of candidates under several costs, all minimized. */

/**
 * Returns the candidates no other candidate dominates. A dominates B when A is no worse on
 * every cost and strictly better on at least one; candidates with equal costs all stay.
 * O(n²) in the number of candidates, which the recipe search bounds.
 */
export function paretoFront<T>(candidates: readonly T[], costs: (candidate: T) => readonly number[]): T[] {
  const vectors = candidates.map(costs);
  return candidates.filter((_, i) => !vectors.some((other, j) => j !== i && dominates(other, vectors[i]!)));
}

export function dominates(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) throw new RangeError(`cost vectors of different lengths ${a.length} and ${b.length}`);
  let strictlyBetter = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) strictlyBetter = true;
  }
  return strictlyBetter;
}
