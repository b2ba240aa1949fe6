import { describe, expect, it } from 'vitest';

import { cosineSimilarity, normalizeInPlace } from './vector-math.js';

describe('cosineSimilarity', () => {
  it('returns 1 for parallel vectors', () => {
    expect(cosineSimilarity(Float32Array.of(1, 2, 3), Float32Array.of(2, 4, 6))).toBeCloseTo(1, 6);
  });

  it('returns -1 for opposite vectors', () => {
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(-3, 0))).toBeCloseTo(-1, 6);
  });

  it('returns 0 when a vector is all zeros', () => {
    expect(cosineSimilarity(Float32Array.of(0, 0), Float32Array.of(1, 1))).toBe(0);
  });

  it('rejects vectors of different lengths', () => {
    expect(() => cosineSimilarity(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
  });
});

describe('normalizeInPlace', () => {
  it('scales to unit length', () => {
    const vector = normalizeInPlace(Float32Array.of(3, 4));
    expect(vector[0]).toBeCloseTo(0.6, 6);
    expect(vector[1]).toBeCloseTo(0.8, 6);
  });

  it('leaves a zero vector at zero', () => {
    expect(Array.from(normalizeInPlace(Float32Array.of(0, 0)))).toEqual([0, 0]);
  });
});
