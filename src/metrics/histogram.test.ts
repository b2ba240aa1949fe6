import { describe, expect, it } from 'vitest';

import { emptyHistogram, observe, quantile, SECONDS_BUCKETS } from './histogram.js';

describe('histogram quantile', () => {
  it('interpolates inside the bucket', () => {
    const histogram = emptyHistogram(SECONDS_BUCKETS);
    for (let index = 0; index < 10; index++) observe(histogram, SECONDS_BUCKETS, 0.3);

    expect(quantile(histogram, SECONDS_BUCKETS, 0.5)).toBeCloseTo(0.375);
  });

  it('reports the largest bound for the overflow bucket', () => {
    const histogram = emptyHistogram(SECONDS_BUCKETS);
    observe(histogram, SECONDS_BUCKETS, 1000);

    expect(quantile(histogram, SECONDS_BUCKETS, 0.95)).toBe(120);
  });

  it('returns null when empty', () => {
    expect(quantile(emptyHistogram(SECONDS_BUCKETS), SECONDS_BUCKETS, 0.5)).toBeNull();
  });
});
