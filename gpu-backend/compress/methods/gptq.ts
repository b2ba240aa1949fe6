/**
 * GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
 * Transformers", 2022) for one MatMul weight W `[K, N]` with input X `[rows, K]`: the K input
 * rows of W are quantized one at a time, and each row's rounding error is spread over the rows
 * not yet quantized through the inverse Hessian H⁻¹ (H = XᵀX plus damping), which minimizes
 * ||XW - XŴ||² greedily. Blocks follow MatMulNBits (block_size consecutive rows per column).
 */
import { blockCount, blockParams, dequantizeCode, quantizeValue, type BlockParams, type Int4Weight } from './int4-blocks.js';

export interface GptqOptions {
  blockSize: number;
  symmetric: boolean;
  /** Added to the Hessian diagonal, as a fraction of its mean diagonal value. */
  dampPercent: number;
  /**
   * Quantize rows in order of decreasing Hessian diagonal (largest activations first). Block
   * parameters are then fixed from the unmodified weight up front ("static groups"), because the
   * MatMulNBits blocks are contiguous in the original row order.
   */
  actOrder: boolean;
}

/** Thrown when the damped Hessian is not positive definite. */
export class GptqError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GptqError';
  }
}

/** Lower-triangular L with A = L Lᵀ (row-major, in place of a copy). */
export function cholesky(a: Float64Array, size: number): Float64Array {
  const l = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * size + j]!;
      for (let p = 0; p < j; p++) sum -= l[i * size + p]! * l[j * size + p]!;
      if (i === j) {
        if (!(sum > 0)) throw new GptqError(`the damped Hessian is not positive definite at row ${i}; increase dampPercent`);
        l[i * size + i] = Math.sqrt(sum);
      } else {
        l[i * size + j] = sum / l[j * size + j]!;
      }
    }
  }
  return l;
}

/** A⁻¹ of a symmetric positive definite matrix from its Cholesky factor L. */
export function inverseFromCholesky(l: Float64Array, size: number): Float64Array {
  // L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀ L⁻¹.
  const lInv = new Float64Array(size * size);
  for (let col = 0; col < size; col++) {
    lInv[col * size + col] = 1 / l[col * size + col]!;
    for (let i = col + 1; i < size; i++) {
      let sum = 0;
      for (let p = col; p < i; p++) sum -= l[i * size + p]! * lInv[p * size + col]!;
      lInv[i * size + col] = sum / l[i * size + i]!;
    }
  }
  const inverse = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let p = i; p < size; p++) sum += lInv[p * size + i]! * lInv[p * size + j]!;
      inverse[i * size + j] = sum;
      inverse[j * size + i] = sum;
    }
  }
  return inverse;
}

/** Quantizes a row-major `[K, N]` weight given the Gram matrix XᵀX `[K, K]` of its input. */
export function quantizeGptq(weight: Float32Array, k: number, n: number, gram: Float64Array, options: GptqOptions): Int4Weight {
  const { blockSize, symmetric } = options;
  const nBlocks = blockCount(k, blockSize);
  const w = Float64Array.from(weight);
  const hessian = Float64Array.from(gram);

  // Inputs that were always zero carry no information: pin their diagonal and their weights to 0.
  for (let i = 0; i < k; i++) {
    if (hessian[i * k + i] === 0) {
      hessian[i * k + i] = 1;
      w.fill(0, i * n, (i + 1) * n);
    }
  }
  let meanDiagonal = 0;
  for (let i = 0; i < k; i++) meanDiagonal += hessian[i * k + i]! / k;
  for (let i = 0; i < k; i++) hessian[i * k + i]! += options.dampPercent * meanDiagonal;

  const order = Array.from({ length: k }, (_, i) => i);
  if (options.actOrder) order.sort((a, b) => hessian[b * k + b]! - hessian[a * k + a]! || a - b);

  // Work in the permuted order: row i of `rows` is original row order[i].
  const permuted = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) permuted[i * k + j] = hessian[order[i]! * k + order[j]!]!;
  const rows = new Float64Array(k * n);
  for (let i = 0; i < k; i++) rows.set(w.subarray(order[i]! * n, (order[i]! + 1) * n), i * n);

  // U is upper triangular with H⁻¹ = UᵀU. Row i of U spreads row i's rounding error over later rows.
  const lowerOfInverse = cholesky(inverseFromCholesky(cholesky(permuted, k), k), k);
  const u = (i: number, j: number): number => lowerOfInverse[j * k + i]!;

  const blocks: BlockParams[] = new Array<BlockParams>(n * nBlocks);
  const fixBlock = (source: Float64Array, rowOf: (original: number) => number, block: number): void => {
    const values = new Float64Array(blockSize);
    for (let col = 0; col < n; col++) {
      values.fill(0);
      for (let r = 0; r < blockSize && block * blockSize + r < k; r++) values[r] = source[rowOf(block * blockSize + r) * n + col]!;
      blocks[col * nBlocks + block] = blockParams(values, symmetric);
    }
  };
  if (options.actOrder) for (let b = 0; b < nBlocks; b++) fixBlock(w, (original) => original, b);

  const codes = new Uint8Array(n * k);
  const error = new Float64Array(n);
  for (let i = 0; i < k; i++) {
    const original = order[i]!;
    const block = Math.floor(original / blockSize);
    // Without act-order rows come in original order, so a block's parameters are fitted when its
    // first row is reached, from weights that already absorbed the earlier blocks' errors.
    if (!options.actOrder && original % blockSize === 0) fixBlock(rows, (r) => r, block);

    const diagonal = u(i, i);
    for (let col = 0; col < n; col++) {
      const value = rows[i * n + col]!;
      const params = blocks[col * nBlocks + block]!;
      const code = quantizeValue(value, params);
      codes[col * k + original] = code;
      error[col] = (value - dequantizeCode(code, params)) / diagonal;
    }
    for (let j = i + 1; j < k; j++) {
      const factor = u(i, j);
      if (factor === 0) continue;
      const offset = j * n;
      for (let col = 0; col < n; col++) rows[offset + col]! -= error[col]! * factor;
    }
  }
  return { k, n, blockSize, symmetric, codes, blocks };
}

/** ||X(W - Ŵ)||² from the Gram matrix G = XᵀX: the sum over columns of (w - ŵ)ᵀ G (w - ŵ). */
export function outputError(gram: Float64Array, weight: Float32Array, restored: Float32Array, k: number, n: number): number {
  let total = 0;
  const difference = new Float64Array(k);
  for (let col = 0; col < n; col++) {
    for (let i = 0; i < k; i++) difference[i] = weight[i * n + col]! - restored[i * n + col]!;
    for (let i = 0; i < k; i++) {
      let row = 0;
      for (let j = 0; j < k; j++) row += gram[i * k + j]! * difference[j]!;
      total += difference[i]! * row;
    }
  }
  return total;
}
