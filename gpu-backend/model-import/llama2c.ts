/**
 * Reader for llama2.c checkpoints (the legacy "version 0" export that run.c loads).
 *
 * Layout: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 * seq_len; a negative vocab_size means an untied classifier follows the other weights), then
 * float32 tensors in run.c's order. Matrices are row-major `[out, in]`, as run.c's `matmul`
 * reads them.
 */
import { readFileSync } from 'node:fs';

export interface Llama2cConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  /** The classifier is the token-embedding matrix (vocab_size was positive). */
  sharedClassifier: boolean;
  headSize: number;
  kvDim: number;
}

/** Weights as flat float32 views, in run.c's layout (per-layer tensors concatenated). */
export interface Llama2cWeights {
  /** [vocab, dim] */
  tokenEmbedding: Float32Array;
  /** [layers, dim] */
  rmsAtt: Float32Array;
  /** [layers, dim (out), dim (in)] */
  wq: Float32Array;
  /** [layers, kv_dim, dim] */
  wk: Float32Array;
  /** [layers, kv_dim, dim] */
  wv: Float32Array;
  /** [layers, dim, dim] */
  wo: Float32Array;
  /** [layers, dim] */
  rmsFfn: Float32Array;
  /** [layers, hidden, dim] (gate) */
  w1: Float32Array;
  /** [layers, dim, hidden] (down) */
  w2: Float32Array;
  /** [layers, hidden, dim] (up) */
  w3: Float32Array;
  /** [dim] */
  rmsFinal: Float32Array;
  /** [vocab, dim]; the same array as tokenEmbedding when shared. */
  wcls: Float32Array;
}

export interface Llama2cCheckpoint {
  config: Llama2cConfig;
  weights: Llama2cWeights;
}

export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
}

const HEADER_BYTES = 7 * 4;
const MAX_REASONABLE = 1 << 24;
/** run.c's "version 1+" exports start with this magic ("ak42" as little-endian uint32). */
const EXPORT_MAGIC = 0x616b3432;

function parseConfig(view: DataView, source: string): Llama2cConfig {
  if (view.byteLength < HEADER_BYTES) {
    throw new CheckpointFormatError(`${source}: ${view.byteLength} bytes is too short for a llama2.c header (${HEADER_BYTES} bytes)`);
  }
  if (view.getUint32(0, true) === EXPORT_MAGIC) {
    throw new CheckpointFormatError(
      `${source}: this is a llama2.c "version 1+" export (magic ak42); only the legacy version-0 format that run.c reads is supported`,
    );
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true)) as [
    number, number, number, number, number, number, number,
  ];
  const vocabSize = Math.abs(rawVocab);
  const fields = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen };
  for (const [name, value] of Object.entries(fields)) {
    if (!(value > 0 && value <= MAX_REASONABLE)) {
      throw new CheckpointFormatError(`${source}: bad llama2.c header: ${name} = ${value} (header ${JSON.stringify(fields)})`);
    }
  }
  if (dim % nHeads !== 0) throw new CheckpointFormatError(`${source}: bad header: dim ${dim} is not a multiple of n_heads ${nHeads}`);
  if (nHeads % nKvHeads !== 0) {
    throw new CheckpointFormatError(`${source}: bad header: n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`);
  }
  const headSize = dim / nHeads;
  if (headSize % 2 !== 0) throw new CheckpointFormatError(`${source}: bad header: head size ${headSize} is odd (RoPE rotates pairs)`);
  return {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize,
    seqLen,
    sharedClassifier: rawVocab > 0,
    headSize,
    kvDim: (dim * nKvHeads) / nHeads,
  };
}

/** Number of float32 values the checkpoint holds after its header, for a given config. */
export function expectedFloatCount(c: Llama2cConfig): number {
  const L = c.nLayers;
  let n = c.vocabSize * c.dim; // token embedding
  n += L * c.dim; // rms_att
  n += L * c.dim * c.dim; // wq
  n += 2 * L * c.dim * c.kvDim; // wk, wv
  n += L * c.dim * c.dim; // wo
  n += L * c.dim; // rms_ffn
  n += 3 * L * c.dim * c.hiddenDim; // w1, w2, w3
  n += c.dim; // rms_final
  n += c.seqLen * c.headSize; // legacy freq_cis_real + freq_cis_imag
  if (!c.sharedClassifier) n += c.vocabSize * c.dim;
  return n;
}

/** Parses a checkpoint held in memory. Throws {@link CheckpointFormatError} on a bad file. */
export function parseLlama2cCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Llama2cCheckpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const config = parseConfig(view, source);
  const expectedBytes = HEADER_BYTES + 4 * expectedFloatCount(config);
  if (bytes.byteLength !== expectedBytes) {
    const other = { ...config, sharedClassifier: !config.sharedClassifier };
    const hint =
      bytes.byteLength === HEADER_BYTES + 4 * expectedFloatCount(other)
        ? ` (the size fits a ${other.sharedClassifier ? 'tied' : 'untied'} classifier: is the sign of vocab_size wrong?)`
        : bytes.byteLength < expectedBytes
          ? ' (truncated?)'
          : ' (trailing data?)';
    throw new CheckpointFormatError(
      `${source}: size ${bytes.byteLength} bytes does not match the header (dim ${config.dim}, hidden ${config.hiddenDim}, ` +
        `layers ${config.nLayers}, heads ${config.nHeads}/${config.nKvHeads}, vocab ${config.vocabSize}, seq ${config.seqLen}, ` +
        `${config.sharedClassifier ? 'tied' : 'untied'} classifier), which needs ${expectedBytes} bytes${hint}`,
    );
  }
  // Copy into an aligned buffer: the floats start at byte 28, and Float32Array views need 4-byte alignment.
  const floats = new Float32Array(expectedFloatCount(config));
  new Uint8Array(floats.buffer).set(bytes.subarray(HEADER_BYTES));
  let offset = 0;
  const take = (count: number): Float32Array => {
    const out = floats.subarray(offset, offset + count);
    offset += count;
    return out;
  };
  const c = config;
  const L = c.nLayers;
  const tokenEmbedding = take(c.vocabSize * c.dim);
  const rmsAtt = take(L * c.dim);
  const wq = take(L * c.dim * c.dim);
  const wk = take(L * c.kvDim * c.dim);
  const wv = take(L * c.kvDim * c.dim);
  const wo = take(L * c.dim * c.dim);
  const rmsFfn = take(L * c.dim);
  const w1 = take(L * c.hiddenDim * c.dim);
  const w2 = take(L * c.dim * c.hiddenDim);
  const w3 = take(L * c.hiddenDim * c.dim);
  const rmsFinal = take(c.dim);
  take(c.seqLen * c.headSize); // freq_cis_real and freq_cis_imag: unused, RoPE is recomputed
  const wcls = c.sharedClassifier ? tokenEmbedding : take(c.vocabSize * c.dim);
  for (const [name, t] of Object.entries({ tokenEmbedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, wcls })) {
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(t[i]!)) throw new CheckpointFormatError(`${source}: tensor ${name} holds a non-finite value at index ${i}`);
    }
  }
  return { config, weights: { tokenEmbedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, wcls } };
}

export function readLlama2cCheckpoint(path: string): Llama2cCheckpoint {
  return parseLlama2cCheckpoint(readFileSync(path), path);
}
