import { describe, expect, it } from 'vitest';
import { cholesky, inverseFromCholesky, outputError, quantizeGptq } from './gptq.js';
import { dequantizeInt4, quantizeRtn } from './int4-blocks.js';
import { seededValues } from './test-fixtures.js';

/** XᵀX for rows of correlated features: x = z · M with a fixed mixing matrix M. */
function correlatedGram(rows: number, k: number, seed: number): Float64Array {
  const mixing = seededValues(k * k, seed);
  const gram = new Float64Array(k * k);
  const latent = seededValues(rows * k, seed + 1);
  const x = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    x.fill(0);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) x[b]! += latent[r * k + a]! * mixing[a * k + b]! * (b % 7 === 0 ? 4 : 1);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) gram[i * k + j]! += x[i]! * x[j]!;
  }
  return gram;
}

describe('cholesky', () => {
  it('inverts a symmetric positive definite matrix', () => {
    const size = 6;
    const gram = correlatedGram(40, size, 3);
    const inverse = inverseFromCholesky(cholesky(gram, size), size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        let sum = 0;
        for (let p = 0; p < size; p++) sum += gram[i * size + p]! * inverse[p * size + j]!;
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    }
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});

describe('quantizeGptq', () => {
  const k = 64;
  const n = 16;
  const weight = seededValues(k * n, 31);
  const gram = correlatedGram(400, k, 5);

  for (const symmetric of [true, false]) {
    for (const actOrder of [false, true]) {
      it(`lowers ||XW - XŴ|| below round-to-nearest (symmetric ${symmetric}, act-order ${actOrder})`, () => {
        const rtn = outputError(gram, weight, dequantizeInt4(quantizeRtn(weight, k, n, 32, symmetric)), k, n);
        const gptq = outputError(gram, weight, dequantizeInt4(quantizeGptq(weight, k, n, gram, { blockSize: 32, symmetric, dampPercent: 0.01, actOrder })), k, n);
        expect(gptq).toBeLessThan(rtn * 0.9);
      });
    }
  }

  it('equals round-to-nearest when inputs are uncorrelated and equally scaled', () => {
    const identity = new Float64Array(k * k);
    for (let i = 0; i < k; i++) identity[i * k + i] = 1;
    const gptq = quantizeGptq(weight, k, n, identity, { blockSize: 32, symmetric: true, dampPercent: 0.01, actOrder: false });
    expect(gptq.codes).toEqual(quantizeRtn(weight, k, n, 32, true).codes);
  });
});
