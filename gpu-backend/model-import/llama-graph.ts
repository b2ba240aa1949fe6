/**
 * Builds the ONNX graph of a Llama decoder with a KV cache, in the input/output layout that
 * Hugging Face Optimum exports for decoder-only models:
 *
 * inputs  `input_ids` int64 [batch, seq], `attention_mask` int64 [batch, past+seq],
 *         `position_ids` int64 [batch, seq], `past_key_values.{i}.key|value` f32 [batch, kv_heads, past, head_dim]
 * outputs `logits` f32 [batch, seq, vocab], `present.{i}.key|value` f32 [batch, kv_heads, past+seq, head_dim]
 *
 * plus `new_key_values.{i}.key|value` f32 [batch, kv_heads, seq, head_dim], this call's keys and
 * values alone, for runtimes that append them to a cache buffer of their own instead of taking
 * the whole `present.*` back at every step.
 *
 * Weights use Hugging Face's names and `[in, out]` MatMul layout. Query/key projections are
 * stored with Hugging Face's rotary layout (each head's even features first, then its odd ones).
 * This is the permutation that the transformers converter applies to Meta/llama2.c weights. It
 * leaves attention scores unchanged because queries and keys are permuted alike. The cache
 * therefore stores keys in that layout too.
 *
 * The pieces (RMSNorm, rotary embedding, attention mask, grouped-query attention, SwiGLU) are
 * exported separately so tests can check each against a float64 reference.
 */
import { GraphBuilder, type Dim } from '../onnx/builder.js';
import { DataType, type OnnxModel } from '../onnx/types.js';
import type { Llama2cCheckpoint } from './llama2c.js';

export const OPSET_VERSION = 21;
/** Fill value for masked attention scores (float32's lowest, as transformers uses). */
export const MASK_VALUE = -3.4028234663852886e38;

export interface LlamaGraphConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  vocabSize: number;
  headDim: number;
  ropeTheta: number;
  rmsNormEps: number;
}

export interface LlamaLayerWeights {
  inputLayernorm: Float32Array;
  /** [hidden, heads*head_dim], rotary layout */
  qProj: Float32Array;
  /** [hidden, kv_heads*head_dim], rotary layout */
  kProj: Float32Array;
  /** [hidden, kv_heads*head_dim] */
  vProj: Float32Array;
  /** [heads*head_dim, hidden] */
  oProj: Float32Array;
  postAttentionLayernorm: Float32Array;
  /** [hidden, intermediate] (llama2.c w1) */
  gateProj: Float32Array;
  /** [hidden, intermediate] (llama2.c w3) */
  upProj: Float32Array;
  /** [intermediate, hidden] (llama2.c w2) */
  downProj: Float32Array;
}

export interface LlamaWeights {
  /** [vocab, hidden] */
  embedTokens: Float32Array;
  layers: LlamaLayerWeights[];
  norm: Float32Array;
  /** [hidden, vocab] */
  lmHead: Float32Array;
}

/** `[rows, cols]` row-major → `[cols, rows]`. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * Reorders output rows of an `[heads*head_dim, in]` matrix from interleaved rotary pairs
 * (2i, 2i+1) to halves (i, i + head_dim/2) within each head.
 */
export function permuteRotaryRows(data: Float32Array, heads: number, headDim: number, inDim: number): Float32Array {
  const out = new Float32Array(data.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const base = h * headDim;
      out.set(data.subarray((base + 2 * i) * inDim, (base + 2 * i + 1) * inDim), (base + i) * inDim);
      out.set(data.subarray((base + 2 * i + 1) * inDim, (base + 2 * i + 2) * inDim), (base + half + i) * inDim);
    }
  }
  return out;
}

/** Inverse of {@link permuteRotaryRows} applied to a vector laid out per head (for tests). */
export function rotaryLayoutIndex(index: number, headDim: number): number {
  const h = Math.floor(index / headDim);
  const j = index % headDim;
  const half = headDim / 2;
  return h * headDim + (j % 2 === 0 ? j / 2 : half + (j - 1) / 2);
}

export function llamaConfigFromLlama2c(checkpoint: Llama2cCheckpoint): LlamaGraphConfig {
  const c = checkpoint.config;
  return {
    hiddenSize: c.dim,
    intermediateSize: c.hiddenDim,
    numLayers: c.nLayers,
    numHeads: c.nHeads,
    numKvHeads: c.nKvHeads,
    vocabSize: c.vocabSize,
    headDim: c.headSize,
    ropeTheta: 10000,
    rmsNormEps: 1e-5,
  };
}

/** Converts run.c-layout weights to Hugging Face names, `[in, out]` layout and rotary order. */
export function llamaWeightsFromLlama2c(checkpoint: Llama2cCheckpoint): LlamaWeights {
  const { config: c, weights: w } = checkpoint;
  const D = c.dim;
  const H = c.hiddenDim;
  const kv = c.kvDim;
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const slice = (t: Float32Array, size: number): Float32Array => t.subarray(l * size, (l + 1) * size);
    layers.push({
      inputLayernorm: slice(w.rmsAtt, D).slice(),
      qProj: transpose(permuteRotaryRows(slice(w.wq, D * D), c.nHeads, c.headSize, D), D, D),
      kProj: transpose(permuteRotaryRows(slice(w.wk, kv * D), c.nKvHeads, c.headSize, D), kv, D),
      vProj: transpose(slice(w.wv, kv * D), kv, D),
      oProj: transpose(slice(w.wo, D * D), D, D),
      postAttentionLayernorm: slice(w.rmsFfn, D).slice(),
      gateProj: transpose(slice(w.w1, H * D), H, D),
      upProj: transpose(slice(w.w3, H * D), H, D),
      downProj: transpose(slice(w.w2, D * H), D, H),
    });
  }
  return {
    embedTokens: w.tokenEmbedding.slice(),
    layers,
    norm: w.rmsFinal.slice(),
    lmHead: transpose(w.wcls, c.vocabSize, D),
  };
}

// ---------------------------------------------------------------------------------------------
// Graph pieces

/**
 * RMSNorm as run.c computes it: x / sqrt(mean(x²) + eps) * weight, over the last axis. Written as
 * Pow, ReduceMean, Add, Sqrt, Div and Mul, the pattern that onnxruntime fuses into one
 * SimplifiedLayerNormalization kernel, while the file stays standard ONNX.
 */
export function rmsNorm(b: GraphBuilder, x: string, weight: string, eps: number): string {
  const squared = b.op('Pow', [x, b.constFloat([2], [], 'two')]);
  const mean = b.op('ReduceMean', [squared, b.constInt64([-1])], { keepdims: 1 });
  const shifted = b.op('Add', [mean, b.constFloat([eps], [], 'rms_norm_eps')]);
  const root = b.op('Sqrt', [shifted]);
  const normed = b.op('Div', [x, root]);
  return b.op('Mul', [normed, weight]);
}

/**
 * Rotary cos/sin from position ids: angle = position * theta^(-2i/head_dim), duplicated over
 * both halves; returned as [batch, seq, 1, head_dim] to broadcast over heads.
 */
export function rotaryCosSin(b: GraphBuilder, positionIds: string, headDim: number, theta: number): { cos: string; sin: string } {
  const half = headDim / 2;
  // run.c: freq = 1.0f / powf(theta, head_dim / (float)head_size), in float32.
  const invFreq = Array.from({ length: half }, (_, i) => Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim))));
  const invFreqName = b.addFloatInitializer('model.rotary_emb.inv_freq', [half], invFreq);
  const positions = b.op('Cast', [positionIds], { to: DataType.FLOAT });
  const positions3 = b.op('Unsqueeze', [positions, b.constInt64([-1])]);
  const freqs = b.op('Mul', [positions3, invFreqName]);
  const emb = b.op('Concat', [freqs, freqs], { axis: -1 });
  const emb4 = b.op('Unsqueeze', [emb, b.constInt64([2])]);
  return { cos: b.op('Cos', [emb4]), sin: b.op('Sin', [emb4]) };
}

/**
 * x*cos + rotate_half(x)*sin for x [batch, seq, heads, head_dim] in the rotary (halves) layout.
 * rotate_half(x) = [-x2, x1] is a MatMul with a constant signed permutation matrix: one node in
 * place of Split, Neg and Concat, and exact, since each output sums one nonzero product.
 */
export function applyRotary(b: GraphBuilder, x: string, cos: string, sin: string, headDim: number): string {
  const half = headDim / 2;
  const rotation = new Float32Array(headDim * headDim);
  for (let i = 0; i < half; i++) {
    rotation[(i + half) * headDim + i] = -1; // output i takes -x[i + half]
    rotation[i * headDim + i + half] = 1; // output i + half takes x[i]
  }
  // Shared by every rotary node, so weight quantizers (which skip shared weights) leave it exact.
  const rotateHalf = b.constFloat(Array.from(rotation), [headDim, headDim], 'rotary_rotate_half');
  const rotated = b.op('MatMul', [x, rotateHalf]);
  return b.op('Add', [b.op('Mul', [x, cos]), b.op('Mul', [rotated, sin])]);
}

/**
 * Boolean mask [batch, 1, groups·seq, past+seq]: true where a query may attend to a key, i.e. the
 * key is not after the query in the cache timeline and its attention_mask entry is 1. The seq
 * rows repeat once per query head of a kv group, the row order of {@link groupedQueryAttention}.
 */
export function attentionMask(b: GraphBuilder, inputIds: string, mask: string, groups: number): string {
  const seqLen = b.op('Gather', [b.op('Shape', [inputIds]), b.constInt64([1], true)], { axis: 0 });
  const totalLen = b.op('Gather', [b.op('Shape', [mask]), b.constInt64([1], true)], { axis: 0 });
  const pastLen = b.op('Sub', [totalLen, seqLen]);
  const one = b.constInt64([1], true);
  const keyPositions = b.op('Range', [b.constInt64([0], true), totalLen, one]);
  const queryPositions = b.op('Range', [pastLen, totalLen, one]);
  const causal = b.op('LessOrEqual', [
    b.op('Unsqueeze', [keyPositions, b.constInt64([0])]),
    b.op('Unsqueeze', [queryPositions, b.constInt64([1])]),
  ]);
  const padding = b.op('Unsqueeze', [b.op('Cast', [mask], { to: DataType.BOOL }), b.constInt64([1, 2])]);
  const allowed = b.op('And', [causal, padding]); // [B, 1, S, T]
  return groups === 1 ? allowed : b.op('Tile', [allowed, b.constInt64([1, 1, groups, 1])]);
}

export interface AttentionNames {
  qProj: string;
  kProj: string;
  vProj: string;
  oProj: string;
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  newKey: string;
  newValue: string;
}

/**
 * Grouped-query self-attention on normalized hidden states x [batch, seq, hidden]. Query head h
 * uses key/value head floor(h / (heads / kv_heads)), as run.c and transformers do. Returns the
 * o_proj output [batch, seq, hidden].
 *
 * Writes the concatenated cache to the present names, and this call's keys and values alone to
 * the new names, for runtimes that keep the cache in buffers of their own.
 */
export function groupedQueryAttention(
  b: GraphBuilder,
  x: string,
  rotary: { cos: string; sin: string },
  mask: string,
  names: AttentionNames,
  cfg: Pick<LlamaGraphConfig, 'numHeads' | 'numKvHeads' | 'headDim'>,
): string {
  const { numHeads: H, numKvHeads: KV, headDim: hd } = cfg;
  const groups = H / KV;
  const q = b.scope('q_proj', () => b.op('MatMul', [x, names.qProj]));
  const k = b.scope('k_proj', () => b.op('MatMul', [x, names.kProj]));
  const v = b.scope('v_proj', () => b.op('MatMul', [x, names.vProj]));
  const q4 = b.op('Reshape', [q, b.constInt64([0, 0, H, hd])]);
  const k4 = b.op('Reshape', [k, b.constInt64([0, 0, KV, hd])]);
  const v4 = b.op('Reshape', [v, b.constInt64([0, 0, KV, hd])]);
  const qRot = b.scope('rotary_q', () => applyRotary(b, q4, rotary.cos, rotary.sin, hd));
  const kRot = b.scope('rotary_k', () => applyRotary(b, k4, rotary.cos, rotary.sin, hd));

  // [B, S, KV, hd] → [B, KV, S, hd], appended to the cache along the sequence axis.
  const kNew = b.op('Transpose', [kRot], { perm: [0, 2, 1, 3] }, { output: names.newKey });
  const vNew = b.op('Transpose', [v4], { perm: [0, 2, 1, 3] }, { output: names.newValue });
  const presentKey = b.op('Concat', [names.pastKey, kNew], { axis: 2 }, { output: names.presentKey });
  const presentValue = b.op('Concat', [names.pastValue, vNew], { axis: 2 }, { output: names.presentValue });
  // Queries grouped by their kv head, each group's rows stacked: [B, S, KV, G, hd] → [B, KV, G·S, hd].
  // One GEMM per row and kv head then serves the whole group, G times fewer calls than one per query head.
  const grouped = b.op('Transpose', [b.op('Reshape', [qRot, b.constInt64([0, 0, KV, groups, hd])])], { perm: [0, 2, 3, 1, 4] });
  const queries = b.op('Reshape', [grouped, b.constInt64([0, 0, -1, hd])]);
  const keysT = b.op('Transpose', [presentKey], { perm: [0, 1, 3, 2] });
  const scores = b.op('Div', [b.op('MatMul', [queries, keysT]), b.constFloat([Math.sqrt(hd)], [], 'sqrt_head_dim')]); // [B, KV, G·S, T]
  const masked = b.op('Where', [mask, scores, b.constFloat([MASK_VALUE], [], 'mask_value')]);
  const probs = b.op('Softmax', [masked], { axis: -1 });
  const context = b.op('MatMul', [probs, presentValue]); // [B, KV, G·S, hd]
  const perHead = b.op('Reshape', [context, b.constInt64([0, 0, groups, -1, hd])]); // [B, KV, G, S, hd]
  const merged = b.op('Reshape', [b.op('Transpose', [perHead], { perm: [0, 3, 1, 2, 4] }), b.constInt64([0, 0, H * hd])]);
  return b.scope('o_proj', () => b.op('MatMul', [merged, names.oProj]));
}

/** SwiGLU feed-forward: down(silu(x·gate) * (x·up)). */
export function swiGlu(b: GraphBuilder, x: string, gate: string, up: string, down: string): string {
  const g = b.scope('gate_proj', () => b.op('MatMul', [x, gate]));
  const u = b.scope('up_proj', () => b.op('MatMul', [x, up]));
  const silu = b.op('Mul', [g, b.op('Sigmoid', [g])]);
  const h = b.op('Mul', [silu, u]);
  return b.scope('down_proj', () => b.op('MatMul', [h, down]));
}

// ---------------------------------------------------------------------------------------------
// Whole model

export const INPUT_NAMES = { inputIds: 'input_ids', attentionMask: 'attention_mask', positionIds: 'position_ids' } as const;
export const pastKeyName = (layer: number): string => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number): string => `past_key_values.${layer}.value`;
export const presentKeyName = (layer: number): string => `present.${layer}.key`;
export const presentValueName = (layer: number): string => `present.${layer}.value`;
export const newKeyName = (layer: number): string => `new_key_values.${layer}.key`;
export const newValueName = (layer: number): string => `new_key_values.${layer}.value`;

/** Sizes of a decoder in this layout: the cache inputs' layers, KV heads and head size, and the logits' vocabulary. */
export interface DecoderShape {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
}

export interface BuildLlamaOptions {
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export function buildLlamaModel(cfg: LlamaGraphConfig, weights: LlamaWeights, options: BuildLlamaOptions = {}): OnnxModel {
  const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = cfg;
  if (weights.layers.length !== cfg.numLayers) throw new Error(`expected ${cfg.numLayers} layers of weights, got ${weights.layers.length}`);
  const b = new GraphBuilder('main_graph');
  const batch: Dim = 'batch_size';
  const seq: Dim = 'sequence_length';
  const past: Dim = 'past_sequence_length';
  const total: Dim = 'total_sequence_length';

  const inputIds = b.input(INPUT_NAMES.inputIds, DataType.INT64, [batch, seq]);
  const mask = b.input(INPUT_NAMES.attentionMask, DataType.INT64, [batch, total]);
  const positionIds = b.input(INPUT_NAMES.positionIds, DataType.INT64, [batch, seq]);
  for (let l = 0; l < cfg.numLayers; l++) {
    b.input(pastKeyName(l), DataType.FLOAT, [batch, KV, past, hd]);
    b.input(pastValueName(l), DataType.FLOAT, [batch, KV, past, hd]);
  }

  const embed = b.addFloatInitializer('model.embed_tokens.weight', [V, D], weights.embedTokens);
  let hidden = b.scope('model/embed_tokens', () => b.op('Gather', [embed, inputIds], { axis: 0 }));
  const { rotary, allowed } = b.scope('model', () => ({
    rotary: b.scope('rotary_emb', () => rotaryCosSin(b, positionIds, hd, cfg.ropeTheta)),
    allowed: b.scope('attn_mask', () => attentionMask(b, inputIds, mask, H / KV)),
  }));

  weights.layers.forEach((w, l) => {
    const prefix = `model.layers.${l}`;
    const names = {
      inputLayernorm: b.addFloatInitializer(`${prefix}.input_layernorm.weight`, [D], w.inputLayernorm),
      qProj: b.addFloatInitializer(`${prefix}.self_attn.q_proj.weight`, [D, H * hd], w.qProj),
      kProj: b.addFloatInitializer(`${prefix}.self_attn.k_proj.weight`, [D, KV * hd], w.kProj),
      vProj: b.addFloatInitializer(`${prefix}.self_attn.v_proj.weight`, [D, KV * hd], w.vProj),
      oProj: b.addFloatInitializer(`${prefix}.self_attn.o_proj.weight`, [H * hd, D], w.oProj),
      postAttentionLayernorm: b.addFloatInitializer(`${prefix}.post_attention_layernorm.weight`, [D], w.postAttentionLayernorm),
      gateProj: b.addFloatInitializer(`${prefix}.mlp.gate_proj.weight`, [D, I], w.gateProj),
      upProj: b.addFloatInitializer(`${prefix}.mlp.up_proj.weight`, [D, I], w.upProj),
      downProj: b.addFloatInitializer(`${prefix}.mlp.down_proj.weight`, [I, D], w.downProj),
    };
    hidden = b.scope(`model/layers.${l}`, () => {
      const normed = b.scope('input_layernorm', () => rmsNorm(b, hidden, names.inputLayernorm, cfg.rmsNormEps));
      const attn = b.scope('self_attn', () =>
        groupedQueryAttention(
          b,
          normed,
          rotary,
          allowed,
          {
            qProj: names.qProj,
            kProj: names.kProj,
            vProj: names.vProj,
            oProj: names.oProj,
            pastKey: pastKeyName(l),
            pastValue: pastValueName(l),
            presentKey: presentKeyName(l),
            presentValue: presentValueName(l),
            newKey: newKeyName(l),
            newValue: newValueName(l),
          },
          cfg,
        ),
      );
      const afterAttn = b.op('Add', [hidden, attn]);
      const normed2 = b.scope('post_attention_layernorm', () => rmsNorm(b, afterAttn, names.postAttentionLayernorm, cfg.rmsNormEps));
      const ffn = b.scope('mlp', () => swiGlu(b, normed2, names.gateProj, names.upProj, names.downProj));
      return b.op('Add', [afterAttn, ffn]);
    });
  });

  const normWeight = b.addFloatInitializer('model.norm.weight', [D], weights.norm);
  const finalHidden = b.scope('model/norm', () => rmsNorm(b, hidden, normWeight, cfg.rmsNormEps));
  const lmHead = b.addFloatInitializer('lm_head.weight', [D, V], weights.lmHead);
  b.scope('lm_head', () => b.op('MatMul', [finalHidden, lmHead], {}, { output: 'logits' }));

  b.output('logits', DataType.FLOAT, [batch, seq, V]);
  for (let l = 0; l < cfg.numLayers; l++) {
    b.output(presentKeyName(l), DataType.FLOAT, [batch, KV, total, hd]);
    b.output(presentValueName(l), DataType.FLOAT, [batch, KV, total, hd]);
  }
  for (let l = 0; l < cfg.numLayers; l++) {
    b.output(newKeyName(l), DataType.FLOAT, [batch, KV, seq, hd]);
    b.output(newValueName(l), DataType.FLOAT, [batch, KV, seq, hd]);
  }
  return b.buildModel({
    opsetVersion: OPSET_VERSION,
    producerName: 'slimgate',
    ...(options.producerVersion !== undefined ? { producerVersion: options.producerVersion } : {}),
    ...(options.docString !== undefined ? { docString: options.docString } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
}
