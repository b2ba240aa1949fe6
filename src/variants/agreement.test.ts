import { describe, expect, it } from 'vitest';

import { greedyAgreement, logProbabilityGap, qualityScore } from './agreement.js';

describe('greedyAgreement', () => {
  it('is 1 for identical outputs', () => {
    expect(greedyAgreement('Once upon a time.', 'Once upon a time.')).toBe(1);
    expect(greedyAgreement('', '')).toBe(1);
  });

  it('counts the common prefix over the longer output', () => {
    expect(greedyAgreement('Once upon a dog', 'Once upon a time there')).toBeCloseTo(3 / 5);
  });

  it('is 0 when the first token differs', () => {
    expect(greedyAgreement('Twice upon a time', 'Once upon a time')).toBe(0);
  });
});

describe('logProbabilityGap', () => {
  it('compares mean token log-probabilities', () => {
    const variant = { choices: [{ logprobs: { token_logprobs: [-1, -2] } }] };
    const reference = { choices: [{ logprobs: { token_logprobs: [-0.5, -0.5] } }] };

    expect(logProbabilityGap(variant, reference)).toBeCloseTo(1);
    expect(qualityScore(1, 1)).toBeCloseTo((1 + Math.exp(-1)) / 2);
  });

  it('is null without logprobs', () => {
    expect(logProbabilityGap({ choices: [{ logprobs: null }] }, { choices: [] })).toBeNull();
    expect(qualityScore(0.5, null)).toBe(0.5);
  });
});
