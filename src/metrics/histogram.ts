/**
 * Cumulative-bucket histograms in the Prometheus model: fixed upper bounds, a count per bucket,
 * a sum and a count. Fixed bounds keep memory constant and let two histograms merge by adding.
 */

/** Upper bounds for durations, in seconds (time to first token, queue time, total latency). */
export const SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Upper bounds for backend batch sizes, in sequences decoded together. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

/** Upper bounds for prompt lengths, in tokens. */
export const PROMPT_TOKENS_BUCKETS: readonly number[] = [16, 64, 256, 1024, 4096, 16384];

/** Serializable histogram state; `counts` has one entry per bound plus one for +Inf, not cumulative. */
export interface HistogramData {
  counts: number[];
  sum: number;
  count: number;
}

export function emptyHistogram(bounds: readonly number[]): HistogramData {
  return { counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
}

export function observe(histogram: HistogramData, bounds: readonly number[], value: number): void {
  let index = bounds.findIndex((bound) => value <= bound);
  if (index === -1) index = bounds.length;
  histogram.counts[index] = (histogram.counts[index] ?? 0) + 1;
  histogram.sum += value;
  histogram.count += 1;
}

/** Adds `source` into `target`; both must use the same bounds. */
export function mergeHistogram(target: HistogramData, source: HistogramData): void {
  for (let index = 0; index < target.counts.length; index++) {
    target.counts[index] = (target.counts[index] ?? 0) + (source.counts[index] ?? 0);
  }
  target.sum += source.sum;
  target.count += source.count;
}

/**
 * Estimates the q-quantile (0 to 1) the way PromQL's `histogram_quantile` does: find the bucket
 * that contains the rank and interpolate linearly inside it. Values in the +Inf bucket report the
 * largest finite bound. Returns null for an empty histogram.
 */
export function quantile(histogram: HistogramData, bounds: readonly number[], q: number): number | null {
  if (histogram.count === 0) return null;

  const rank = q * histogram.count;
  let cumulative = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    const inBucket = histogram.counts[index] ?? 0;
    if (inBucket > 0 && cumulative + inBucket >= rank) {
      if (index === bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = index === 0 ? 0 : (bounds[index - 1] ?? 0);
      const upper = bounds[index] ?? lower;
      return lower + (upper - lower) * ((rank - cumulative) / inBucket);
    }
    cumulative += inBucket;
  }
  return bounds[bounds.length - 1] ?? null;
}
