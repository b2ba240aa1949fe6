import { describe, expect, it } from 'vitest';

import { dominates, paretoFront } from './pareto.js';

describe('paretoFront', () => {
  it('keeps exactly the non-dominated points', () => {
    const points = [
      { name: 'a', costs: [1, 5] },
      { name: 'b', costs: [2, 2] },
      { name: 'c', costs: [3, 3] }, // dominated by b
      { name: 'd', costs: [5, 1] },
      { name: 'e', costs: [2, 2] }, // equal to b: both stay
      { name: 'f', costs: [5, 6] }, // dominated by everything
    ];
    expect(paretoFront(points, (p) => p.costs).map((p) => p.name)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('dominance needs one strictly better cost', () => {
    expect(dominates([1, 1], [1, 1])).toBe(false);
    expect(dominates([1, 1], [1, 2])).toBe(true);
    expect(dominates([0, 3], [1, 2])).toBe(false);
  });

  it('an empty input has an empty front', () => {
    expect(paretoFront([], () => [])).toEqual([]);
  });
});
