import { describe, expect, it } from 'vitest';

import { median, percentile } from './stats.js';
import { argmax, klDivergence, logSoftmax } from './token-metrics.js';

describe('logSoftmax', () => {
  it('matches log(exp(x) / sum(exp(x)))', () => {
    const logits = [1, 2, 3, -1];
    const sum = logits.reduce((total, x) => total + Math.exp(x), 0);
    const result = logSoftmax(logits);
    logits.forEach((x, i) => expect(result[i]).toBeCloseTo(Math.log(Math.exp(x) / sum), 12));
  });

  it('stays finite for large logits', () => {
    const result = logSoftmax([1000, 999]);
    expect(result[0]).toBeCloseTo(-Math.log(1 + Math.exp(-1)), 12);
  });
});

describe('klDivergence', () => {
  it('is zero for identical distributions', () => {
    const row = logSoftmax([0.5, 1.5, -2]);
    expect(klDivergence(row, row)).toBe(0);
  });

  it('matches a hand computation', () => {
    const p = [Math.log(0.5), Math.log(0.5)];
    const q = [Math.log(0.9), Math.log(0.1)];
    expect(klDivergence(p, q)).toBeCloseTo(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), 12);
  });
});

describe('argmax and percentiles', () => {
  it('argmax returns the first maximum', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
  });

  it('median and p95 use nearest rank', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(median(samples)).toBe(10.5);
    expect(percentile(samples, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
  });
});
