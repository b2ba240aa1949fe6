/**
 * Sentence embeddings from an ONNX encoder folder in the Hugging Face / sentence-transformers
 * export layout. The folder has `tokenizer.json` (and optionally `tokenizer_config.json`) and
 * `onnx/model.onnx`. The model's inputs are `input_ids`, `attention_mask` and optionally
 * `token_type_ids` (int64 [batch, seq]), and its output is `last_hidden_state` (or else the first
 * output), float32 [batch, seq, hidden]. The embedding is the mean of the hidden states over the
 * attention mask, L2-normalized.
 *
 * `config.json` may list `matryoshka_dimensions` (a slimgate field, not a transformers one): the
 * sizes the model was trained to be truncated to, which `dimensions` may then request.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';

import { createInferenceSession, type SessionConfig } from '../runtime/execution-provider.js';
import { normalize, type EmbeddingModel } from './embedding-model.js';

const DEFAULT_MAX_TOKENS = 512;

export class OnnxEmbeddingModel implements EmbeddingModel {
  readonly dimension: number;
  readonly maxBatchSize = 64;
  private readonly outputName: string;
  private readonly hasTokenTypeIds: boolean;

  private constructor(
    readonly id: string,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    /** Inputs longer than this many tokens are truncated (keeping the special tokens added at the end). */
    private readonly maxTokens: number,
    dimension: number,
    readonly truncatableDimensions: readonly number[],
  ) {
    this.dimension = dimension;
    this.outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!;
    this.hasTokenTypeIds = session.inputNames.includes('token_type_ids');
  }

  static async load(id: string, dir: string, sessionConfig: SessionConfig): Promise<OnnxEmbeddingModel> {
    const tokenizerJson = await readJson(path.join(dir, 'tokenizer.json'));
    const tokenizerConfig = (await readJson(path.join(dir, 'tokenizer_config.json'), true)) ?? {};
    const config = (await readJson(path.join(dir, 'config.json'), true)) ?? {};
    const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);

    const session = await createInferenceSession(path.join(dir, 'onnx', 'model.onnx'), sessionConfig);
    try {
      for (const name of ['input_ids', 'attention_mask']) {
        if (!session.inputNames.includes(name)) throw new Error(`${dir}/onnx/model.onnx has no input ${name}; it is not a sentence-embedding encoder`);
      }
      const dimension = await probeDimension(session, tokenizer, config);
      const maxTokens = readMaxTokens(tokenizerConfig, config);
      const truncatable = Array.isArray(config.matryoshka_dimensions)
        ? config.matryoshka_dimensions.filter((size): size is number => Number.isInteger(size) && (size as number) > 0 && (size as number) < dimension)
        : [];
      return new OnnxEmbeddingModel(id, session, tokenizer, maxTokens, dimension, truncatable);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  countTokens(text: string): number {
    return Math.min(this.encode(text).length, this.maxTokens);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = texts.map((text) => this.truncate(this.encode(text)));
    return runMeanPooled(this.session, this.outputName, this.hasTokenTypeIds, encoded, this.dimension);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: true }).ids;
  }

  /** Keeps the first maxTokens - 1 tokens and the last one (the closing special token, such as [SEP]). */
  private truncate(ids: number[]): number[] {
    if (ids.length <= this.maxTokens) return ids;
    return [...ids.slice(0, this.maxTokens - 1), ids[ids.length - 1]!];
  }
}

/** Runs right-padded token rows through the encoder and mean-pools each row over its real tokens. */
async function runMeanPooled(
  session: ort.InferenceSession,
  outputName: string,
  hasTokenTypeIds: boolean,
  rows: readonly (readonly number[])[],
  dimension: number | undefined,
): Promise<Float32Array[]> {
  const batch = rows.length;
  const width = rows.reduce((max, row) => Math.max(max, row.length), 1);
  const inputIds = new BigInt64Array(batch * width);
  const mask = new BigInt64Array(batch * width);
  rows.forEach((row, r) => {
    row.forEach((id, column) => {
      inputIds[r * width + column] = BigInt(id);
      mask[r * width + column] = 1n;
    });
  });

  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', inputIds, [batch, width]),
    attention_mask: new ort.Tensor('int64', mask, [batch, width]),
  };
  if (hasTokenTypeIds) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * width), [batch, width]);
  const output = (await session.run(feeds))[outputName] as ort.Tensor;

  const [outBatch, outWidth, hidden] = output.dims as [number, number, number];
  if (output.dims.length !== 3 || outBatch !== batch || outWidth !== width || (dimension !== undefined && hidden !== dimension)) {
    throw new Error(`embedding output ${outputName} has shape [${output.dims.join(', ')}], expected [${batch}, ${width}, ${dimension ?? 'hidden'}]`);
  }

  const states = output.data as Float32Array;
  return rows.map((row, r) => {
    const pooled = new Float32Array(hidden);
    for (let column = 0; column < row.length; column++) {
      const offset = (r * width + column) * hidden;
      for (let i = 0; i < hidden; i++) pooled[i] = pooled[i]! + states[offset + i]!;
    }
    for (let i = 0; i < hidden; i++) pooled[i] = pooled[i]! / Math.max(1, row.length);
    return normalize(pooled);
  });
}

/** Reads the hidden size from config.json, or runs one input when the config lacks it. */
async function probeDimension(session: ort.InferenceSession, tokenizer: Tokenizer, config: Record<string, unknown>): Promise<number> {
  if (Number.isInteger(config.hidden_size) && (config.hidden_size as number) > 0) return config.hidden_size as number;
  const ids = tokenizer.encode('a', { add_special_tokens: true }).ids;
  const outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!;
  const [vector] = await runMeanPooled(session, outputName, session.inputNames.includes('token_type_ids'), [ids], undefined);
  return vector!.length;
}

function readMaxTokens(tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>): number {
  // transformers writes a huge sentinel model_max_length when the tokenizer has no limit.
  const fromTokenizer = tokenizerConfig.model_max_length;
  if (typeof fromTokenizer === 'number' && Number.isInteger(fromTokenizer) && fromTokenizer > 0 && fromTokenizer < 1e9) return fromTokenizer;
  const fromConfig = config.max_position_embeddings;
  if (typeof fromConfig === 'number' && Number.isInteger(fromConfig) && fromConfig > 0) return fromConfig;
  return DEFAULT_MAX_TOKENS;
}

async function readJson(file: string, optional: true): Promise<Record<string, unknown> | undefined>;
async function readJson(file: string): Promise<Record<string, unknown>>;
async function readJson(file: string, optional = false): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must contain a JSON object`);
  return parsed as Record<string, unknown>;
}
