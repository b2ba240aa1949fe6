import { describe, expect, it } from 'vitest';

import { maxRecallAtPrecision, operatingPointAt, type LabelledScore } from './precision-recall.js';

const SCORES: LabelledScore[] = [
  { score: 0.95, label: 1 },
  { score: 0.9, label: 1 },
  { score: 0.8, label: 0 },
  { score: 0.7, label: 1 },
  { score: 0.6, label: 1 },
  { score: 0.2, label: 0 },
];

describe('operatingPointAt', () => {
  it('counts scores at the threshold as matches', () => {
    const point = operatingPointAt(SCORES, 0.7);

    expect(point.truePositives).toBe(3);
    expect(point.falsePositives).toBe(1);
    expect(point.precision).toBe(0.75);
    expect(point.recall).toBe(0.75);
  });

  it('reports precision 1 when nothing matches', () => {
    const point = operatingPointAt(SCORES, 0.99);
    expect(point.precision).toBe(1);
    expect(point.recall).toBe(0);
  });
});

describe('maxRecallAtPrecision', () => {
  it('picks the lowest threshold that keeps the precision', () => {
    const point = maxRecallAtPrecision(SCORES, 0.8);

    expect(point?.threshold).toBe(0.6);
    expect(point?.precision).toBe(0.8);
    expect(point?.recall).toBe(1);
  });

  it('stops before a false positive at precision 1', () => {
    const point = maxRecallAtPrecision(SCORES, 1);
    expect(point?.threshold).toBe(0.9);
    expect(point?.recall).toBe(0.5);
  });

  it('returns null when the precision is never reached', () => {
    expect(maxRecallAtPrecision([{ score: 1, label: 0 }], 0.5)).toBeNull();
  });

  it('does not split tied scores', () => {
    const tied: LabelledScore[] = [
      { score: 0.9, label: 1 },
      { score: 0.9, label: 0 },
    ];
    expect(maxRecallAtPrecision(tied, 1)).toBeNull();
  });
});
