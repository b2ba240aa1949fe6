import { describe, expect, it } from 'vitest';

import { predictProbability, trainLogisticRegression } from './logistic-regression.js';

describe('trainLogisticRegression', () => {
  const rows = [[0.1, 5], [0.2, 5], [0.3, 5], [0.7, 5], [0.8, 5], [0.9, 5]];
  const labels: Array<0 | 1> = [0, 0, 0, 1, 1, 1];

  it('separates a separable problem', () => {
    const model = trainLogisticRegression(['x', 'constant'], rows, labels);

    expect(predictProbability(model, [0.1, 5])).toBeLessThan(0.2);
    expect(predictProbability(model, [0.9, 5])).toBeGreaterThan(0.8);
  });

  it('gives a constant feature no weight', () => {
    const model = trainLogisticRegression(['x', 'constant'], rows, labels);
    expect(model.weights[1]).toBe(0);
  });

  it('is deterministic', () => {
    const first = trainLogisticRegression(['x', 'constant'], rows, labels);
    const second = trainLogisticRegression(['x', 'constant'], rows, labels);
    expect(second).toEqual(first);
  });

  it('rejects mismatched labels', () => {
    expect(() => trainLogisticRegression(['x', 'constant'], rows, [0, 1])).toThrow(RangeError);
  });
});
