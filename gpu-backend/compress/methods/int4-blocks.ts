/**
 * 4-bit block quantization in the layout of ONNX Runtime's com.microsoft `MatMulNBits` (bits 4):
 *
 * - B: uint8 `[N, n_blocks, block_size / 2]`. The K weights of output column n are split into
 *   blocks of `block_size` along K, the last block padded. Two 4-bit codes share a byte, the
 *   lower K index in the low nibble.
 * - scales: float `[N * n_blocks]`, column-major by N (column n's blocks are contiguous).
 * - zero_points (asymmetric only): uint8 `[N * ceil(n_blocks / 2)]`, two 4-bit zero points per
 *   byte, low nibble first, packed per column. Without this input the zero point is 8.
 *
 * A weight w is stored as code q with w ≈ (q - zero_point) * scale.
 */
import { DataType, type OnnxTensor } from '../../onnx/types.js';
import { makeTensor } from '../../onnx/tensor.js';

export const MATMUL_NBITS_DOMAIN = 'com.microsoft';
/** The default zero point when MatMulNBits has no zero_points input. */
export const SYMMETRIC_ZERO_POINT = 8;

export interface BlockParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Scale and zero point for one block. Symmetric: the value of largest magnitude maps to code 0
 * (= -8 after the implicit zero point 8), so the sign with more range gets it. Asymmetric: the
 * range [min(values, 0), max(values, 0)] spans codes 0..15.
 */
export function blockParams(values: ArrayLike<number>, symmetric: boolean): BlockParams {
  if (symmetric) {
    let extreme = 0;
    for (let i = 0; i < values.length; i++) if (Math.abs(values[i]!) > Math.abs(extreme)) extreme = values[i]!;
    const scale = Math.fround(extreme / -8);
    return { scale: scale === 0 ? 1 : scale, zeroPoint: SYMMETRIC_ZERO_POINT };
  }

  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const scale = Math.fround((max - min) / 15);
  if (scale === 0) return { scale: 1, zeroPoint: SYMMETRIC_ZERO_POINT };
  const zeroPoint = Math.min(15, Math.max(0, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

export function quantizeValue(value: number, params: BlockParams): number {
  return Math.min(15, Math.max(0, Math.round(value / params.scale) + params.zeroPoint));
}

export function dequantizeCode(code: number, params: BlockParams): number {
  return (code - params.zeroPoint) * params.scale;
}

/** A weight `[K, N]` quantized per (column, block): codes and block parameters. */
export interface Int4Weight {
  k: number;
  n: number;
  blockSize: number;
  symmetric: boolean;
  /** Codes 0..15, `[N, K]` (column n's K codes contiguous). */
  codes: Uint8Array;
  /** `[N * n_blocks]`, column-major by N. */
  blocks: BlockParams[];
}

export function blockCount(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

/** Round-to-nearest quantization of a row-major `[K, N]` weight. */
export function quantizeRtn(weight: Float32Array, k: number, n: number, blockSize: number, symmetric: boolean): Int4Weight {
  const nBlocks = blockCount(k, blockSize);
  const codes = new Uint8Array(n * k);
  const blocks: BlockParams[] = [];
  const values = new Float32Array(blockSize);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < nBlocks; b++) {
      values.fill(0);
      for (let i = 0; i < blockSize && b * blockSize + i < k; i++) values[i] = weight[(b * blockSize + i) * n + col]!;
      const params = blockParams(values, symmetric);
      blocks.push(params);
      for (let i = 0; i < blockSize && b * blockSize + i < k; i++) codes[col * k + b * blockSize + i] = quantizeValue(values[i]!, params);
    }
  }
  return { k, n, blockSize, symmetric, codes, blocks };
}

/** Dequantizes to the float `[K, N]` weight that MatMulNBits computes with. */
export function dequantizeInt4(q: Int4Weight): Float32Array {
  const out = new Float32Array(q.k * q.n);
  const nBlocks = blockCount(q.k, q.blockSize);
  for (let col = 0; col < q.n; col++) {
    for (let row = 0; row < q.k; row++) {
      const params = q.blocks[col * nBlocks + Math.floor(row / q.blockSize)]!;
      out[row * q.n + col] = dequantizeCode(q.codes[col * q.k + row]!, params);
    }
  }
  return out;
}

export interface MatMulNBitsTensors {
  b: OnnxTensor;
  scales: OnnxTensor;
  zeroPoints?: OnnxTensor;
}

/** Packs codes, scales and (asymmetric) zero points into MatMulNBits initializers. */
export function packMatMulNBits(q: Int4Weight, baseName: string): MatMulNBitsTensors {
  const nBlocks = blockCount(q.k, q.blockSize);
  const blobSize = q.blockSize / 2;
  const packed = new Uint8Array(q.n * nBlocks * blobSize);
  for (let col = 0; col < q.n; col++) {
    for (let row = 0; row < nBlocks * q.blockSize; row++) {
      // Padding rows past K get the block's zero point, so they dequantize to exactly 0.
      const block = Math.floor(row / q.blockSize);
      const code = row < q.k ? q.codes[col * q.k + row]! : q.blocks[col * nBlocks + block]!.zeroPoint;
      const byte = col * nBlocks * blobSize + Math.floor(row / 2);
      packed[byte] = row % 2 === 0 ? packed[byte]! | code : packed[byte]! | (code << 4);
    }
  }
  const scales = Float32Array.from(q.blocks, (p) => p.scale);
  const tensors: MatMulNBitsTensors = {
    b: makeTensor(`${baseName}_Q4`, DataType.UINT8, [q.n, nBlocks, blobSize], packed),
    scales: makeTensor(`${baseName}_scales`, DataType.FLOAT, [q.n * nBlocks], scales),
  };
  if (!q.symmetric) {
    const perColumn = Math.ceil(nBlocks / 2);
    const zeroPoints = new Uint8Array(q.n * perColumn);
    q.blocks.forEach((p, index) => {
      const col = Math.floor(index / nBlocks);
      const b = index % nBlocks;
      const byte = col * perColumn + Math.floor(b / 2);
      zeroPoints[byte] = b % 2 === 0 ? zeroPoints[byte]! | p.zeroPoint : zeroPoints[byte]! | (p.zeroPoint << 4);
    });
    tensors.zeroPoints = makeTensor(`${baseName}_zp`, DataType.UINT8, [q.n * perColumn], zeroPoints);
  }
  return tensors;
}
