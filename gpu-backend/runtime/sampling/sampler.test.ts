import { describe, expect, it } from 'vitest';

import { Xoshiro128StarStar } from './prng.js';
import { argmax, TokenSampler } from './sampler.js';

/** Draws `count` tokens and returns how often each id was chosen. */
function histogram(logits: Float32Array, temperature: number, topP: number, count: number, seed = 1234): number[] {
  const sampler = new TokenSampler(logits.length);
  const random = new Xoshiro128StarStar(seed);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < count; i++) counts[sampler.sample(logits, { temperature, topP }, random)]!++;
  return counts;
}

const logits = Float32Array.from([2.0, 1.0, 0.5, 0.0, -1.0, -3.0]);

describe('argmax', () => {
  it('breaks ties toward the lowest id', () => {
    expect(argmax(Float32Array.from([0, 3, 1, 3]))).toBe(1);
    expect(argmax(Float32Array.from([5]))).toBe(0);
  });
});

describe('TokenSampler', () => {
  it('returns argmax at temperature 0 without drawing', () => {
    const random = new Xoshiro128StarStar(1);
    const untouched = new Xoshiro128StarStar(1);
    const sampler = new TokenSampler(logits.length);
    expect(sampler.sample(logits, { temperature: 0, topP: 0.5 }, random)).toBe(0);
    expect(random.nextUint32()).toBe(untouched.nextUint32());
  });

  it('repeats draws for the same seed', () => {
    expect(histogram(logits, 1, 1, 500, 99)).toEqual(histogram(logits, 1, 1, 500, 99));
    expect(histogram(logits, 1, 1, 500, 99)).not.toEqual(histogram(logits, 1, 1, 500, 100));
  });

  it('matches softmax frequencies at temperature 1', () => {
    const counts = histogram(logits, 1, 1, 20_000);
    const exps = Array.from(logits, (value) => Math.exp(value));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((weight, id) => expect(counts[id]! / 20_000).toBeCloseTo(weight / total, 1));
  });

  it('restricts support to the nucleus', () => {
    // Softmax of the logits: about 0.55, 0.20, 0.12, 0.07, 0.03, 0.003.
    const counts = histogram(logits, 1, 0.7, 5_000);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts.slice(2).every((count) => count === 0)).toBe(true);
  });

  it('keeps only the top token at top_p 0', () => {
    expect(histogram(logits, 1.5, 0, 1_000)).toEqual([1_000, 0, 0, 0, 0, 0]);
  });

  it('sharpens with lower temperature', () => {
    const cold = histogram(logits, 0.25, 1, 5_000);
    const warm = histogram(logits, 1, 1, 5_000);
    const hot = histogram(logits, 2, 1, 5_000);
    expect(cold[0]).toBeGreaterThan(warm[0]!);
    expect(warm[0]).toBeGreaterThan(hot[0]!);
    expect(hot[5]).toBeGreaterThan(cold[5]!);
  });

  it('rejects logits of the wrong length', () => {
    const sampler = new TokenSampler(4);
    expect(() => sampler.sample(logits, { temperature: 1, topP: 1 }, new Xoshiro128StarStar(1))).toThrow(RangeError);
  });
});
