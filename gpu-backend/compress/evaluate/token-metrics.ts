/**
 * Per-position quality metrics on one row of logits, computed in float64 so that summing
 * hundreds of thousands of positions does not lose precision.
 */

/** Writes log(softmax(logits)) into `out` (length of the row) and returns it. */
export function logSoftmax(logits: ArrayLike<number>, out: Float64Array = new Float64Array(logits.length)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;

  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logNormalizer = max + Math.log(sum);

  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - logNormalizer;
  return out;
}

/** Index of the largest value; the first one on ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** KL(p || q) in nats for two log-probability rows: Σ p·(log p − log q). */
export function klDivergence(logP: ArrayLike<number>, logQ: ArrayLike<number>): number {
  if (logP.length !== logQ.length) throw new RangeError(`KL divergence of rows of different lengths ${logP.length} and ${logQ.length}`);
  let kl = 0;
  for (let i = 0; i < logP.length; i++) {
    const p = Math.exp(logP[i]!);
    if (p > 0) kl += p * (logP[i]! - logQ[i]!);
  }
  return kl;
}
