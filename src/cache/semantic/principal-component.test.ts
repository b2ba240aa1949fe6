import { describe, expect, it } from 'vitest';

import { firstPrincipalComponent } from './principal-component.js';

describe('firstPrincipalComponent', () => {
  it('finds the dominant direction', () => {
    // Rows spread mostly along (1, 1), with noise along (1, -1) that is uncorrelated with it.
    const rows = [-3, -2, -1, 1, 2, 3].flatMap((t) => [
      Float32Array.of(t + 0.1, t - 0.1),
      Float32Array.of(t - 0.1, t + 0.1),
    ]);

    const component = firstPrincipalComponent(rows);

    expect(component[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(component[1]).toBeCloseTo(Math.SQRT1_2, 5);
  });

  it('makes the largest entry positive', () => {
    const component = firstPrincipalComponent([Float32Array.of(0, -5), Float32Array.of(0, 5)]);
    expect(Array.from(component)).toEqual([0, 1]);
  });

  it('rejects an empty input', () => {
    expect(() => firstPrincipalComponent([])).toThrow(RangeError);
  });
});
