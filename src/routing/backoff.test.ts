import { describe, expect, it } from 'vitest';

import { backoffDelayMs } from './backoff.js';

describe('backoff', () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  it('doubles the bound per retry', () => {
    const almostOne = () => 0.999_999;
    expect(backoffDelayMs(1, options, almostOne)).toBe(99);
    expect(backoffDelayMs(2, options, almostOne)).toBe(199);
    expect(backoffDelayMs(3, options, almostOne)).toBe(399);
  });

  it('caps the bound at maxMs', () => {
    expect(backoffDelayMs(10, options, () => 0.999_999)).toBe(999);
  });

  it('jitters from zero', () => {
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });
});
