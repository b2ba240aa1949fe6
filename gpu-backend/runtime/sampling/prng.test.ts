import { describe, expect, it } from 'vitest';

import { MAX_SEED, randomSeed, Xoshiro128StarStar } from './prng.js';

describe('Xoshiro128StarStar', () => {
  it('matches the reference sequence for state 1, 2, 3, 4', () => {
    // Computed with an independent Python transcription of the published xoshiro128** algorithm.
    const generator = Xoshiro128StarStar.fromState([1, 2, 3, 4]);
    const outputs = Array.from({ length: 6 }, () => generator.nextUint32());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('repeats a sequence for the same seed and stream', () => {
    const first = new Xoshiro128StarStar(42, 3);
    const second = new Xoshiro128StarStar(42, 3);
    for (let i = 0; i < 100; i++) expect(first.nextUint32()).toBe(second.nextUint32());
  });

  it('separates streams and seeds', () => {
    const draw = (seed: number, stream: number) => {
      const generator = new Xoshiro128StarStar(seed, stream);
      return Array.from({ length: 4 }, () => generator.nextUint32());
    };
    expect(draw(42, 0)).not.toEqual(draw(42, 1));
    expect(draw(42, 0)).not.toEqual(draw(43, 0));
    expect(draw(-1, 0)).not.toEqual(draw(2 ** 32 - 1, 0));
    expect(draw(2 ** 32, 0)).not.toEqual(draw(0, 0));
  });

  it('produces floats in [0, 1) with a uniform mean', () => {
    const generator = new Xoshiro128StarStar(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = generator.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Xoshiro128StarStar(1.5)).toThrow(RangeError);
    expect(() => new Xoshiro128StarStar(MAX_SEED + 1)).toThrow(RangeError);
    expect(() => new Xoshiro128StarStar(0, -1)).toThrow(RangeError);
  });
});

describe('randomSeed', () => {
  it('returns distinct safe integers', () => {
    const seeds = new Set(Array.from({ length: 20 }, () => randomSeed()));
    expect(seeds.size).toBe(20);
    for (const seed of seeds) expect(Number.isSafeInteger(seed) && seed >= 0).toBe(true);
  });
});
