/**
 * The ONNX pieces and the whole graph against the float64 run.c reference (./reference.ts).
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../onnx/builder.js';
import { writeModel } from '../onnx/model-io.js';
import { DataType } from '../onnx/types.js';
import { parseLlama2cCheckpoint, readLlama2cCheckpoint, type Llama2cCheckpoint } from './llama2c.js';
import { Llama2cBpe, readLlama2cTokenizer } from './llama2c-tokenizer.js';
import {
  applyRotary,
  attentionMask,
  buildLlamaModel,
  groupedQueryAttention,
  llamaConfigFromLlama2c,
  llamaWeightsFromLlama2c,
  permuteRotaryRows,
  rmsNorm,
  rotaryCosSin,
  rotaryLayoutIndex,
  swiGlu,
  transpose,
} from './llama-graph.js';
import { argmax, emptyPast, int64Tensor, leftPadBatch, runStep, type DecoderShape } from './ort-harness.js';
import { Llama2cReference, RefKvCache, refAttentionStep, refRmsNorm, refRope, refSwiGlu } from './reference.js';

const SHARED = new URL('../../../shared/models/', import.meta.url).pathname;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomArray(n: number, random: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
}

async function session(b: GraphBuilder): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(writeModel(b.buildModel({ opsetVersion: 21 })));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const f32 = (data: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', data, dims);

describe('graph pieces vs the float64 reference', () => {
  const random = rng(1234);

  it('RMSNorm', async () => {
    const D = 24;
    const weight = randomArray(D, random);
    const x = randomArray(2 * 3 * D, random, 3);
    const b = new GraphBuilder();
    const xIn = b.input('x', DataType.FLOAT, [2, 3, D]);
    b.output('y', DataType.FLOAT, [2, 3, D], rmsNorm(b, xIn, b.addFloatInitializer('w', [D], weight), 1e-5));
    const y = (await (await session(b)).run({ x: f32(x, [2, 3, D]) })).y!.data as Float32Array;
    for (let row = 0; row < 6; row++) {
      const expected = refRmsNorm(x.subarray(row * D, (row + 1) * D), weight);
      expect(maxAbsDiff(y.subarray(row * D, (row + 1) * D), expected)).toBeLessThan(1e-5);
    }
  });

  it('rotary embedding (interleaved run.c pairs ≡ permuted halves), from position ids', async () => {
    const [B, S, H, hd] = [2, 3, 3, 8];
    const positions = [
      [0, 1, 2],
      [7, 100, 511],
    ];
    const x = randomArray(B * S * H * hd, random);
    const b = new GraphBuilder();
    const xIn = b.input('x', DataType.FLOAT, [B, S, H, hd]);
    const pos = b.input('position_ids', DataType.INT64, [B, S]);
    const { cos, sin } = rotaryCosSin(b, pos, hd, 10000);
    b.output('y', DataType.FLOAT, [B, S, H, hd], applyRotary(b, xIn, cos, sin, hd));
    const y = (await (await session(b)).run({ x: f32(x, [B, S, H, hd]), position_ids: int64Tensor(positions) })).y!.data as Float32Array;
    for (let bi = 0; bi < B; bi++) {
      for (let s = 0; s < S; s++) {
        const base = (bi * S + s) * H * hd;
        const interleaved = Float64Array.from({ length: H * hd }, (_, j) => x[base + rotaryLayoutIndex(j, hd)]!);
        refRope(interleaved, positions[bi]![s]!, hd);
        const expected = new Float64Array(H * hd);
        interleaved.forEach((v, j) => (expected[rotaryLayoutIndex(j, hd)] = v));
        expect(maxAbsDiff(y.subarray(base, base + H * hd), expected)).toBeLessThan(2e-4);
      }
    }
  });

  it('SwiGLU feed-forward', async () => {
    const [D, Hd] = [16, 40];
    const w1 = randomArray(Hd * D, random, 0.5);
    const w2 = randomArray(D * Hd, random, 0.5);
    const w3 = randomArray(Hd * D, random, 0.5);
    const x = randomArray(4 * D, random, 2);
    const b = new GraphBuilder();
    const xIn = b.input('x', DataType.FLOAT, [2, 2, D]);
    const gate = b.addFloatInitializer('gate', [D, Hd], transpose(w1, Hd, D));
    const up = b.addFloatInitializer('up', [D, Hd], transpose(w3, Hd, D));
    const down = b.addFloatInitializer('down', [Hd, D], transpose(w2, D, Hd));
    b.output('y', DataType.FLOAT, [2, 2, D], swiGlu(b, xIn, gate, up, down));
    const y = (await (await session(b)).run({ x: f32(x, [2, 2, D]) })).y!.data as Float32Array;
    for (let row = 0; row < 4; row++) {
      const expected = refSwiGlu(x.subarray(row * D, (row + 1) * D), w1, w2, w3, D, Hd);
      expect(maxAbsDiff(y.subarray(row * D, (row + 1) * D), expected)).toBeLessThan(1e-4);
    }
  });

  describe('grouped-query attention with a KV cache and left padding', () => {
    const [D, H, KV, hd] = [16, 4, 2, 4];
    const kvDim = KV * hd;
    const wq = randomArray(D * D, random, 0.6);
    const wk = randomArray(kvDim * D, random, 0.6);
    const wv = randomArray(kvDim * D, random, 0.6);
    const wo = randomArray(D * D, random, 0.6);
    const shape = { dim: D, nHeads: H, nKvHeads: KV, headSize: hd };
    let attn: ort.InferenceSession;

    beforeAll(async () => {
      const b = new GraphBuilder();
      const x = b.input('x', DataType.FLOAT, ['batch', 'seq', D]);
      const mask = b.input('attention_mask', DataType.INT64, ['batch', 'total']);
      const pos = b.input('position_ids', DataType.INT64, ['batch', 'seq']);
      b.input('past_key', DataType.FLOAT, ['batch', KV, 'past', hd]);
      b.input('past_value', DataType.FLOAT, ['batch', KV, 'past', hd]);
      const names = {
        qProj: b.addFloatInitializer('q', [D, D], transpose(permuteRotaryRows(wq, H, hd, D), D, D)),
        kProj: b.addFloatInitializer('k', [D, kvDim], transpose(permuteRotaryRows(wk, KV, hd, D), kvDim, D)),
        vProj: b.addFloatInitializer('v', [D, kvDim], transpose(wv, kvDim, D)),
        oProj: b.addFloatInitializer('o', [D, D], transpose(wo, D, D)),
        pastKey: 'past_key',
        pastValue: 'past_value',
        presentKey: 'present_key',
        presentValue: 'present_value',
        newKey: 'new_key',
        newValue: 'new_value',
      };
      const out = groupedQueryAttention(b, x, rotaryCosSin(b, pos, hd, 10000), attentionMask(b, x, mask, H / KV), names, {
        numHeads: H,
        numKvHeads: KV,
        headDim: hd,
      });
      b.output('out', DataType.FLOAT, ['batch', 'seq', D], out);
      b.output('present_key', DataType.FLOAT, ['batch', KV, 'total', hd]);
      b.output('present_value', DataType.FLOAT, ['batch', KV, 'total', hd]);
      attn = await session(b);
    });

    it('matches run.c attention per sequence, through prefill and cached decode', async () => {
      const lengths = [3, 5];
      const rows = lengths.map((n) => Array.from({ length: n + 2 }, () => randomArray(D, random, 2)));
      // Reference: each sequence alone, token by token.
      const refOut = rows.map((seqRows) => {
        const cache = new RefKvCache();
        return { outs: seqRows.map((r, p) => refAttentionStep(r, p, { wq, wk, wv, wo }, shape, cache)), cache };
      });

      // Prefill, left-padded: sequence 0 gets 2 rows of padding filled with noise.
      const width = 5;
      const pad = lengths.map((n) => width - n);
      const x1 = new Float32Array(2 * width * D);
      rows.forEach((seqRows, bi) => {
        for (let s = 0; s < width; s++) {
          const src = s < pad[bi]! ? randomArray(D, random, 50) : seqRows[s - pad[bi]!]!;
          x1.set(src, (bi * width + s) * D);
        }
      });
      const { attentionMask: mask1, positionIds: pos1 } = leftPadBatch(lengths.map((n) => Array<number>(n).fill(0)));
      const r1 = await attn.run({
        x: f32(x1, [2, width, D]),
        attention_mask: int64Tensor(mask1),
        position_ids: int64Tensor(pos1),
        past_key: f32(new Float32Array(0), [2, KV, 0, hd]),
        past_value: f32(new Float32Array(0), [2, KV, 0, hd]),
      });
      const out1 = r1.out!.data as Float32Array;
      for (let bi = 0; bi < 2; bi++) {
        for (let p = 0; p < lengths[bi]!; p++) {
          const s = pad[bi]! + p;
          expect(maxAbsDiff(out1.subarray((bi * width + s) * D, (bi * width + s + 1) * D), refOut[bi]!.outs[p]!)).toBeLessThan(1e-4);
          // The cache stores keys in the rotary (halves) layout, values as is.
          const key = r1.present_key!.data as Float32Array;
          const value = r1.present_value!.data as Float32Array;
          for (let h = 0; h < KV; h++) {
            const at = ((bi * KV + h) * width + s) * hd;
            const refKey = refOut[bi]!.cache.keys[p]!.subarray(h * hd, (h + 1) * hd);
            const refValue = refOut[bi]!.cache.values[p]!.subarray(h * hd, (h + 1) * hd);
            const expectedKey = new Float64Array(hd);
            refKey.forEach((v, j) => (expectedKey[rotaryLayoutIndex(j, hd)] = v));
            expect(maxAbsDiff(key.subarray(at, at + hd), expectedKey)).toBeLessThan(1e-4);
            expect(maxAbsDiff(value.subarray(at, at + hd), refValue)).toBeLessThan(1e-4);
          }
        }
      }

      // Two more tokens per sequence in one call, on top of the cache (causal inside the chunk).
      const x2 = new Float32Array(2 * 2 * D);
      rows.forEach((seqRows, bi) => {
        x2.set(seqRows[lengths[bi]!]!, (bi * 2) * D);
        x2.set(seqRows[lengths[bi]! + 1]!, (bi * 2 + 1) * D);
      });
      const mask2 = mask1.map((m) => [...m, 1, 1]);
      const pos2 = lengths.map((n) => [n, n + 1]);
      const r2 = await attn.run({
        x: f32(x2, [2, 2, D]),
        attention_mask: int64Tensor(mask2),
        position_ids: int64Tensor(pos2),
        past_key: r1.present_key!,
        past_value: r1.present_value!,
      });
      expect(r2.present_key!.dims).toEqual([2, KV, width + 2, hd]);
      const out2 = r2.out!.data as Float32Array;
      for (let bi = 0; bi < 2; bi++) {
        for (let s = 0; s < 2; s++) {
          expect(maxAbsDiff(out2.subarray((bi * 2 + s) * D, (bi * 2 + s + 1) * D), refOut[bi]!.outs[lengths[bi]! + s]!)).toBeLessThan(1e-4);
        }
      }
      expect(Array.from(out2).every(Number.isFinite)).toBe(true);
      expect(Array.from(out1).every(Number.isFinite)).toBe(true); // fully padded query rows stay finite
    });
  });
});

describe('whole model vs the float64 reference', () => {
  let checkpoint: Llama2cCheckpoint;
  let model: ort.InferenceSession;
  let shape: DecoderShape;
  let bpe: Llama2cBpe;
  const TOL = 2e-4; // observed max |Δlogit| ≈ 3e-5 on logits of magnitude ~10

  beforeAll(async () => {
    checkpoint = readLlama2cCheckpoint(`${SHARED}/stories260K/stories260K.bin`);
    bpe = new Llama2cBpe(readLlama2cTokenizer(`${SHARED}/stories260K/tok512.bin`, 512));
    const cfg = llamaConfigFromLlama2c(checkpoint);
    shape = { numLayers: cfg.numLayers, numKvHeads: cfg.numKvHeads, headDim: cfg.headDim, vocabSize: cfg.vocabSize };
    model = await ort.InferenceSession.create(writeModel(buildLlamaModel(cfg, llamaWeightsFromLlama2c(checkpoint))));
  });

  it('prefill logits for every position', async () => {
    const tokens = bpe.encode('Once upon a time, there was a dog.');
    const ref = new Llama2cReference(checkpoint).logitsFor(tokens);
    const { logits } = await runStep(model, shape, [tokens], [tokens.map(() => 1)], [tokens.map((_, i) => i)], emptyPast(shape, 1));
    tokens.forEach((_, i) => expect(maxAbsDiff(logits[0]![i]!, ref[i]!)).toBeLessThan(TOL));
  });

  it('KV cache chunks (4, 1, rest) match prefill', async () => {
    const tokens = bpe.encode('Lily saw a big red ball');
    const ref = new Llama2cReference(checkpoint).logitsFor(tokens);
    let past = emptyPast(shape, 1);
    let pos = 0;
    expect(tokens.length).toBeGreaterThan(6);
    for (const size of [4, 1, tokens.length - 5]) {
      const chunk = tokens.slice(pos, pos + size);
      const step = await runStep(model, shape, [chunk], [Array<number>(pos + chunk.length).fill(1)], [chunk.map((_, i) => pos + i)], past);
      chunk.forEach((_, i) => expect(maxAbsDiff(step.logits[0]![i]!, ref[pos + i]!)).toBeLessThan(TOL));
      past = step.past;
      pos += chunk.length;
    }
    expect(pos).toBe(tokens.length);
  });

  it('a left-padded batch of different lengths, then a cached decode step', async () => {
    const seqs = [bpe.encode('The cat'), bpe.encode('Once upon a time, in a big forest'), bpe.encode('Tom')];
    const refs = seqs.map((s) => {
      const r = new Llama2cReference(checkpoint);
      return { model: r, logits: s.map((t, p) => r.forward(t, p)) };
    });
    const batch = leftPadBatch(seqs, 0);
    const width = batch.inputIds[0]!.length;
    const step = await runStep(model, shape, batch.inputIds, batch.attentionMask, batch.positionIds, emptyPast(shape, seqs.length));
    seqs.forEach((s, bi) => s.forEach((_, p) => expect(maxAbsDiff(step.logits[bi]![width - s.length + p]!, refs[bi]!.logits[p]!)).toBeLessThan(TOL)));

    const next = seqs.map((_, bi) => argmax(refs[bi]!.logits.at(-1)!));
    const step2 = await runStep(
      model,
      shape,
      next.map((t) => [t]),
      batch.attentionMask.map((m) => [...m, 1]),
      seqs.map((s) => [s.length]),
      step.past,
    );
    seqs.forEach((s, bi) => expect(maxAbsDiff(step2.logits[bi]![0]!, refs[bi]!.model.forward(next[bi]!, s.length))).toBeLessThan(TOL));
  });

  it('an untied classifier (negative vocab_size in the header)', async () => {
    const random = rng(99);
    const [dim, hidden, layers, heads, kvHeads, vocab, seqLen] = [16, 24, 2, 4, 2, 11, 8];
    const kvDim = (dim / heads) * kvHeads;
    const floats =
      vocab * dim + layers * dim + layers * dim * dim + 2 * layers * kvDim * dim + layers * dim * dim + layers * dim + 3 * layers * dim * hidden + dim + seqLen * (dim / heads) + vocab * dim;
    const bytes = new Uint8Array(28 + 4 * floats);
    const view = new DataView(bytes.buffer);
    [dim, hidden, layers, heads, kvHeads, -vocab, seqLen].forEach((v, i) => view.setInt32(i * 4, v, true));
    const weights = randomArray(floats, random, 0.5);
    new Uint8Array(bytes.buffer, 28).set(new Uint8Array(weights.buffer));
    const ck = parseLlama2cCheckpoint(bytes, 'synthetic');
    expect(ck.config.sharedClassifier).toBe(false);
    expect(ck.weights.wcls).not.toBe(ck.weights.tokenEmbedding);
    const cfg = llamaConfigFromLlama2c(ck);
    const session = await ort.InferenceSession.create(writeModel(buildLlamaModel(cfg, llamaWeightsFromLlama2c(ck))));
    const tokens = [1, 5, 3, 10, 7];
    const ref = new Llama2cReference(ck).logitsFor(tokens);
    const s = { numLayers: layers, numKvHeads: kvHeads, headDim: dim / heads, vocabSize: vocab };
    const { logits } = await runStep(session, s, [tokens], [tokens.map(() => 1)], [tokens.map((_, i) => i)], emptyPast(s, 1));
    tokens.forEach((_, i) => expect(maxAbsDiff(logits[0]![i]!, ref[i]!)).toBeLessThan(1e-4));
  });
});
