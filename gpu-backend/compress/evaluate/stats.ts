/** Summary statistics of timing samples. */

/** Nearest-rank percentile (p in [0, 100]) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Median; the mean of the two middle values for an even count. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of an empty sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface LatencySummary {
  /** Milliseconds. */
  medianMs: number;
  /** Milliseconds, nearest-rank 95th percentile. */
  p95Ms: number;
  samples: number;
}

export function summarizeLatency(samplesMs: readonly number[]): LatencySummary {
  return { medianMs: median(samplesMs), p95Ms: percentile(samplesMs, 95), samples: samplesMs.length };
}
