import { describe, expect, it } from 'vitest';

import { concatBytes } from './concat-bytes.js';

describe('concatBytes', () => {
  it('joins chunks in order', () => {
    expect(concatBytes([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)])).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('returns an empty array for no chunks', () => {
    expect(concatBytes([]).byteLength).toBe(0);
  });
});
