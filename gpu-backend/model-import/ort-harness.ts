/**
 * Small onnxruntime-node helpers for driving an imported decoder graph: batching with left
 * padding, KV-cache feeds and a run.c-compatible greedy loop. Used by the tests; the serving
 * runtime has its own scheduler.
 */
import * as ort from 'onnxruntime-node';
import { pastKeyName, pastValueName, presentKeyName, presentValueName, type DecoderShape } from './llama-graph.js';

export type { DecoderShape };

export type PastKeyValues = Record<string, ort.Tensor>;

export function emptyPast(shape: DecoderShape, batch: number): PastKeyValues {
  const past: PastKeyValues = {};
  for (let l = 0; l < shape.numLayers; l++) {
    past[pastKeyName(l)] = new ort.Tensor('float32', new Float32Array(0), [batch, shape.numKvHeads, 0, shape.headDim]);
    past[pastValueName(l)] = new ort.Tensor('float32', new Float32Array(0), [batch, shape.numKvHeads, 0, shape.headDim]);
  }
  return past;
}

export function int64Tensor(rows: readonly (readonly number[])[]): ort.Tensor {
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw new Error('ragged int64 batch');
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, width]);
}

export interface StepResult {
  /** [batch][sequence] → logits row (vocab floats). */
  logits: Float32Array[][];
  past: PastKeyValues;
}

/** Runs one forward call with rows of token ids, the full attention mask and the position ids. */
export async function runStep(
  session: ort.InferenceSession,
  shape: DecoderShape,
  inputIds: readonly (readonly number[])[],
  attentionMask: readonly (readonly number[])[],
  positionIds: readonly (readonly number[])[],
  past: PastKeyValues,
): Promise<StepResult> {
  const out = await session.run({
    input_ids: int64Tensor(inputIds),
    attention_mask: int64Tensor(attentionMask),
    position_ids: int64Tensor(positionIds),
    ...past,
  });
  const data = out.logits!.data as Float32Array;
  const [batch, seq, vocab] = out.logits!.dims as [number, number, number];
  const logits = Array.from({ length: batch }, (_, b) =>
    Array.from({ length: seq }, (_, s) => data.subarray((b * seq + s) * vocab, (b * seq + s + 1) * vocab)),
  );
  const next: PastKeyValues = {};
  for (let l = 0; l < shape.numLayers; l++) {
    next[pastKeyName(l)] = out[presentKeyName(l)]!;
    next[pastValueName(l)] = out[presentValueName(l)]!;
  }
  return { logits, past: next };
}

/** Left-pads sequences to one length; positions count real tokens only (pad positions get 1, as transformers does). */
export function leftPadBatch(sequences: readonly (readonly number[])[], padId = 0): { inputIds: number[][]; attentionMask: number[][]; positionIds: number[][] } {
  const width = Math.max(...sequences.map((s) => s.length));
  const inputIds = sequences.map((s) => [...Array<number>(width - s.length).fill(padId), ...s]);
  const attentionMask = sequences.map((s) => [...Array<number>(width - s.length).fill(0), ...Array<number>(s.length).fill(1)]);
  const positionIds = sequences.map((s) => [...Array<number>(width - s.length).fill(1), ...s.map((_, i) => i)]);
  return { inputIds, attentionMask, positionIds };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Runs run.c's greedy loop. The prompt (starting with BOS) is prefilled in one call, then one
 * token per call through the cache, for at most `steps` positions (prompt included). Generation
 * stops early when BOS is predicted. Returns the prompt plus the generated tokens.
 */
export async function greedyGenerate(session: ort.InferenceSession, shape: DecoderShape, promptTokens: readonly number[], steps: number, bosId = 1): Promise<number[]> {
  const tokens = [...promptTokens];
  if (promptTokens.length > steps) return tokens.slice(0, steps + 1);
  let past = emptyPast(shape, 1);
  let feed = [...promptTokens];
  let pos = 0;
  for (;;) {
    const mask = [Array<number>(pos + feed.length).fill(1)];
    const positions = [feed.map((_, i) => pos + i)];
    const step = await runStep(session, shape, [feed], mask, positions, past);
    past = step.past;
    pos += feed.length;
    const next = argmax(step.logits[0]!.at(-1)!);
    if (next === bosId) break;
    tokens.push(next);
    if (pos >= steps) break;
    feed = [next];
  }
  return tokens;
}
