/** 8-bit quantization of a `[K, N]` weight, per tensor or per output column (axis 1). */

export type Int8WeightType = 'int8' | 'uint8';

export interface Int8Weight {
  type: Int8WeightType;
  /** Quantized values `[K, N]`, row-major like the float weight. */
  values: Int8Array | Uint8Array;
  /** One scale per column, or a single scale for per-tensor quantization. */
  scales: Float32Array;
  zeroPoints: Int8Array | Uint8Array;
}

/**
 * Quantizes a row-major `[K, N]` weight. int8 is symmetric: zero point 0 and range ±127, so -128
 * is never used and negation stays exact. uint8 is asymmetric over [min(w, 0), max(w, 0)] with a
 * zero point in 0..255.
 */
export function quantizeInt8(weight: Float32Array, k: number, n: number, type: Int8WeightType, perChannel: boolean): Int8Weight {
  const groups = perChannel ? n : 1;
  const scales = new Float32Array(groups);
  const zeroPoints = type === 'int8' ? new Int8Array(groups) : new Uint8Array(groups);
  const values = type === 'int8' ? new Int8Array(k * n) : new Uint8Array(k * n);

  for (let g = 0; g < groups; g++) {
    let min = 0;
    let max = 0;
    for (let row = 0; row < k; row++) {
      for (let col = perChannel ? g : 0; col < (perChannel ? g + 1 : n); col++) {
        const w = weight[row * n + col]!;
        min = Math.min(min, w);
        max = Math.max(max, w);
      }
    }
    if (type === 'int8') {
      const scale = Math.fround(Math.max(-min, max) / 127);
      scales[g] = scale === 0 ? 1 : scale;
      zeroPoints[g] = 0;
    } else {
      const scale = Math.fround((max - min) / 255);
      scales[g] = scale === 0 ? 1 : scale;
      zeroPoints[g] = Math.min(255, Math.max(0, Math.round(-min / scales[g]!)));
    }
  }

  const [low, high] = type === 'int8' ? [-127, 127] : [0, 255];
  for (let row = 0; row < k; row++) {
    for (let col = 0; col < n; col++) {
      const g = perChannel ? col : 0;
      const q = Math.round(weight[row * n + col]! / scales[g]!) + zeroPoints[g]!;
      values[row * n + col] = Math.min(high, Math.max(low, q));
    }
  }
  return { type, values, scales, zeroPoints };
}

export function dequantizeInt8(q: Int8Weight, k: number, n: number): Float32Array {
  const out = new Float32Array(k * n);
  const perChannel = q.scales.length === n && n !== 1;
  for (let row = 0; row < k; row++) {
    for (let col = 0; col < n; col++) {
      const g = perChannel ? col : 0;
      out[row * n + col] = (q.values[row * n + col]! - q.zeroPoints[g]!) * q.scales[g]!;
    }
  }
  return out;
}
