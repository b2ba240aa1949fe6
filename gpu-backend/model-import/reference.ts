/**
 * A float64 reference forward pass of a llama2.c model with run.c's semantics (interleaved
 * rotary pairs, grouped-query attention, RMSNorm with eps 1e-5, SwiGLU, classifier), one token
 * at a time with its own KV cache. It reads the original run.c-layout weights, so it checks the
 * ONNX graph's weight conversion as well as its arithmetic.
 */
import type { Llama2cCheckpoint } from './llama2c.js';

type Vec = Float64Array;
type Weights = ArrayLike<number>;

/** run.c's rmsnorm: weight * x / sqrt(mean(x²) + eps). */
export function refRmsNorm(x: ArrayLike<number>, weight: Weights, eps = 1e-5, weightOffset = 0): Vec {
  let ss = 0;
  for (let j = 0; j < x.length; j++) ss += x[j]! * x[j]!;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = weight[weightOffset + j]! * (scale * x[j]!);
  return out;
}

/** run.c's matmul: out[i] = Σ_j w[offset + i*n + j] · x[j], for w stored [d, n]. */
export function refMatmul(x: ArrayLike<number>, w: Weights, n: number, d: number, offset = 0): Vec {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let v = 0;
    const row = offset + i * n;
    for (let j = 0; j < n; j++) v += w[row + j]! * x[j]!;
    out[i] = v;
  }
  return out;
}

/** run.c's RoPE on a vector of whole heads: rotates pairs (2i, 2i+1) by pos · theta^(-2i/head_size). */
export function refRope(vec: Vec, pos: number, headSize: number, theta = 10000): void {
  for (let i = 0; i < vec.length; i += 2) {
    const headDim = i % headSize;
    const freq = 1 / theta ** (headDim / headSize);
    const val = pos * freq;
    const c = Math.cos(val);
    const s = Math.sin(val);
    const v0 = vec[i]!;
    const v1 = vec[i + 1]!;
    vec[i] = v0 * c - v1 * s;
    vec[i + 1] = v0 * s + v1 * c;
  }
}

/** SwiGLU: w2 · (silu(w1 · x) ⊙ (w3 · x)), weights in run.c layout with per-layer offsets. */
export function refSwiGlu(
  x: ArrayLike<number>,
  w1: Weights,
  w2: Weights,
  w3: Weights,
  dim: number,
  hidden: number,
  offsets: { w1?: number; w2?: number; w3?: number } = {},
): Vec {
  const h1 = refMatmul(x, w1, dim, hidden, offsets.w1 ?? 0);
  const h3 = refMatmul(x, w3, dim, hidden, offsets.w3 ?? 0);
  for (let i = 0; i < hidden; i++) {
    const v = h1[i]!;
    h1[i] = (v / (1 + Math.exp(-v))) * h3[i]!;
  }
  return refMatmul(h1, w2, hidden, dim, offsets.w2 ?? 0);
}

export interface RefAttentionWeights {
  wq: Weights;
  wk: Weights;
  wv: Weights;
  wo: Weights;
  /** Element offsets of this layer's matrices (default 0). */
  offsets?: { wq?: number; wk?: number; wv?: number; wo?: number };
}

export interface RefAttentionShape {
  dim: number;
  nHeads: number;
  nKvHeads: number;
  headSize: number;
}

/** A growing per-layer KV cache: one key and value row (kv_dim) per position. */
export class RefKvCache {
  readonly keys: Vec[] = [];
  readonly values: Vec[] = [];
}

/**
 * Runs one attention step of run.c for a normalized input row `x` at position `pos`. It projects
 * q/k/v, rotates q and k, appends k/v to the cache and attends over every cached position.
 */
export function refAttentionStep(x: ArrayLike<number>, pos: number, w: RefAttentionWeights, shape: RefAttentionShape, cache: RefKvCache): Vec {
  const { dim, nHeads, nKvHeads, headSize } = shape;
  const kvDim = nKvHeads * headSize;
  const o = w.offsets ?? {};
  const q = refMatmul(x, w.wq, dim, dim, o.wq ?? 0);
  const k = refMatmul(x, w.wk, dim, kvDim, o.wk ?? 0);
  const v = refMatmul(x, w.wv, dim, kvDim, o.wv ?? 0);
  refRope(q, pos, headSize);
  refRope(k, pos, headSize);
  cache.keys.push(k);
  cache.values.push(v);
  const kvMul = nHeads / nKvHeads;
  const out = new Float64Array(dim);
  const steps = cache.keys.length;
  for (let h = 0; h < nHeads; h++) {
    const kvHead = Math.floor(h / kvMul);
    const scores = new Float64Array(steps);
    let max = -Infinity;
    for (let t = 0; t < steps; t++) {
      let s = 0;
      for (let i = 0; i < headSize; i++) s += q[h * headSize + i]! * cache.keys[t]![kvHead * headSize + i]!;
      s /= Math.sqrt(headSize);
      scores[t] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      scores[t] = Math.exp(scores[t]! - max);
      sum += scores[t]!;
    }
    for (let t = 0; t < steps; t++) {
      const a = scores[t]! / sum;
      for (let i = 0; i < headSize; i++) out[h * headSize + i] = out[h * headSize + i]! + a * cache.values[t]![kvHead * headSize + i]!;
    }
  }
  return refMatmul(out, w.wo, dim, dim, o.wo ?? 0);
}

/** The whole model, run.c style: `forward(token, pos)` returns the logits for the next token. */
export class Llama2cReference {
  private caches: RefKvCache[] = [];

  constructor(readonly checkpoint: Llama2cCheckpoint) {
    this.reset();
  }

  reset(): void {
    this.caches = Array.from({ length: this.checkpoint.config.nLayers }, () => new RefKvCache());
  }

  /** Positions seen so far (the cache length). */
  get length(): number {
    return this.caches[0]?.keys.length ?? 0;
  }

  forward(token: number, pos = this.length): Vec {
    const { config: c, weights: w } = this.checkpoint;
    if (pos !== this.length) throw new Error(`reference forward expects position ${this.length}, got ${pos}`);
    const D = c.dim;
    let x: Vec = Float64Array.from(w.tokenEmbedding.subarray(token * D, (token + 1) * D));
    const shape = { dim: D, nHeads: c.nHeads, nKvHeads: c.nKvHeads, headSize: c.headSize };
    for (let l = 0; l < c.nLayers; l++) {
      const xb = refRmsNorm(x, w.rmsAtt, 1e-5, l * D);
      const attn = refAttentionStep(
        xb,
        pos,
        {
          wq: w.wq,
          wk: w.wk,
          wv: w.wv,
          wo: w.wo,
          offsets: { wq: l * D * D, wk: l * c.kvDim * D, wv: l * c.kvDim * D, wo: l * D * D },
        },
        shape,
        this.caches[l]!,
      );
      for (let i = 0; i < D; i++) x[i] = x[i]! + attn[i]!;
      const xb2 = refRmsNorm(x, w.rmsFfn, 1e-5, l * D);
      const ffn = refSwiGlu(xb2, w.w1, w.w2, w.w3, D, c.hiddenDim, {
        w1: l * c.hiddenDim * D,
        w2: l * D * c.hiddenDim,
        w3: l * c.hiddenDim * D,
      });
      for (let i = 0; i < D; i++) x[i] = x[i]! + ffn[i]!;
    }
    x = refRmsNorm(x, w.rmsFinal);
    return refMatmul(x, w.wcls, D, c.vocabSize);
  }

  /** Logits after each token of `tokens`, starting from an empty cache. */
  logitsFor(tokens: readonly number[]): Vec[] {
    this.reset();
    return tokens.map((t, pos) => this.forward(t, pos));
  }
}
