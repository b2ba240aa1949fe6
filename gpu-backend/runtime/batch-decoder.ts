/**
 * Batched forward passes through a decoder-with-past ONNX model (Hugging Face Optimum layout plus
 * `new_key_values.*` outputs, see {@link ./append-outputs.js}) for the continuous-batching
 * scheduler: left-padded prefill, prefill continuation of one sequence in chunks, and one decode
 * step for a whole {@link BatchCache}.
 *
 * The cache lives in this runtime's buffers ({@link ./batch-cache.js}); each pass fetches only the
 * logits and the new keys and values. Step inputs live in buffers reused across calls, so a decode
 * step allocates only the tensor wrappers and onnxruntime's small outputs.
 */

import { readFile } from 'node:fs/promises';

import * as ort from 'onnxruntime-node';

import { appendColumns, assembleCache, capacityFor, createCache, ensureCapacity, type BatchCache, type CacheShape } from './batch-cache.js';
import { checkDecoderSignature, pastKeyValueNames, readKvType } from './decoder-session.js';
import { addNewKeyValueOutputs, newKeyValueNames } from './append-outputs.js';
import { createInferenceSession, type SessionConfig } from './execution-provider.js';
import type { ModelConfig } from './model-folder.js';

export interface BatchForwardResult {
  /** Logits of each row's last input position (vocab_size floats), views into this pass's output. */
  logits: Float32Array[];
  cache: BatchCache;
  /** Input positions per row in this pass, padding included. */
  columns: number;
}

export class BatchDecoder {
  readonly shape: CacheShape;
  private readonly pastNames: string[];
  private readonly fetches: Record<string, null>;
  private readonly newNames: string[];
  private readonly hasPositionIds: boolean;

  // Reused input buffers sized for the largest step seen so far.
  private inputIds = new BigInt64Array(64);
  private positionIds = new BigInt64Array(64);
  private mask = new BigInt64Array(4096);
  private running = false;

  constructor(
    readonly session: ort.InferenceSession,
    readonly config: ModelConfig,
    /** The ONNX file the session was loaded from, for `/health` and logs. */
    readonly onnxPath: string,
  ) {
    checkDecoderSignature(session, config);
    this.pastNames = pastKeyValueNames(config.numHiddenLayers);
    this.newNames = newKeyValueNames(config.numHiddenLayers);
    const missing = this.newNames.filter((name) => !session.outputNames.includes(name));
    if (missing.length > 0) throw new Error(`ONNX model ${onnxPath} lacks the outputs ${missing.join(', ')}; load it with loadBatchDecoder, which adds them`);
    this.fetches = Object.fromEntries(['logits', ...this.newNames].map((name) => [name, null]));
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.shape = { numKvHeads: config.numKeyValueHeads, headDim: config.headDim, kvType: readKvType(session), contextLength: config.contextLength };
  }

  /** Runs several prompts from an empty cache as one left-padded batch. */
  async prefill(prompts: readonly (readonly number[])[]): Promise<BatchForwardResult> {
    const rows = prompts.length;
    const width = prompts.reduce((max, prompt) => Math.max(max, prompt.length), 0);
    if (rows === 0 || prompts.some((prompt) => prompt.length === 0)) throw new RangeError('prefill needs at least one prompt and one token per prompt');
    this.checkLength(width);

    const size = rows * width;
    const inputIds = this.inputBuffer(size);
    const positionIds = this.positionBuffer(size);
    const mask = this.maskBuffer(size);
    prompts.forEach((prompt, row) => {
      const padding = width - prompt.length;
      for (let column = 0; column < width; column++) {
        const index = row * width + column;
        const real = column >= padding;
        inputIds[index] = real ? BigInt(prompt[column - padding]!) : 0n;
        positionIds[index] = real ? BigInt(column - padding) : 1n;
        mask[index] = real ? 1n : 0n;
      }
    });

    const past = createCache(rows, this.pastNames.length, 0, this.shape);
    const { logits, newKeyValues } = await this.forward(inputIds, positionIds, mask, [rows, width], past);

    const cache = createCache(rows, this.pastNames.length, capacityFor(width + 1, this.shape.contextLength), this.shape);
    const lengths = prompts.map((prompt) => prompt.length);
    appendColumns(cache, newKeyValues, width, lengths.map((length) => width - length), lengths, this.shape);
    return { logits, cache, columns: width };
  }

  /** Appends `tokenIds` to the one-row `cache` in place (a prompt chunk after the first). */
  async extend(cache: BatchCache, tokenIds: readonly number[]): Promise<BatchForwardResult> {
    if (cache.lengths.length !== 1) throw new RangeError('extend needs a one-row cache');
    const past = cache.lengths[0]!;
    const count = tokenIds.length;
    this.checkLength(past + count);
    ensureCapacity(cache, past + count, this.shape);

    const capacity = cache.capacity;
    const inputIds = this.inputBuffer(count);
    const positionIds = this.positionBuffer(count);
    const mask = this.maskBuffer(capacity + count);
    mask.fill(1n, 0, past).fill(0n, past, capacity).fill(1n, capacity);
    tokenIds.forEach((id, i) => {
      inputIds[i] = BigInt(id);
      positionIds[i] = BigInt(past + i);
    });

    const { logits, newKeyValues } = await this.forward(inputIds, positionIds, mask, [1, count], cache);
    appendColumns(cache, newKeyValues, count, [0], [count], this.shape);
    return { logits, cache, columns: count };
  }

  /** Appends one token to every row of `cache` in place; `tokenIds[row]` is that row's input. */
  async decode(cache: BatchCache, tokenIds: readonly number[]): Promise<BatchForwardResult> {
    const rows = cache.lengths.length;
    if (tokenIds.length !== rows) throw new RangeError(`decode got ${tokenIds.length} tokens for ${rows} rows`);
    const longest = Math.max(...cache.lengths) + 1;
    this.checkLength(longest);
    ensureCapacity(cache, longest, this.shape);

    // Row r attends to its own columns 0..length-1 and to the new token. The graph appends the new
    // token after the whole buffer (column `capacity`), so the mask hides the free columns between.
    const capacity = cache.capacity;
    const width = capacity + 1;
    const inputIds = this.inputBuffer(rows);
    const positionIds = this.positionBuffer(rows);
    const mask = this.maskBuffer(rows * width);
    for (let row = 0; row < rows; row++) {
      const length = cache.lengths[row]!;
      inputIds[row] = BigInt(tokenIds[row]!);
      positionIds[row] = BigInt(length);
      const start = row * width;
      mask.fill(1n, start, start + length).fill(0n, start + length, start + capacity);
      mask[start + capacity] = 1n;
    }

    const { logits, newKeyValues } = await this.forward(inputIds, positionIds, mask, [rows, 1], cache);
    appendColumns(cache, newKeyValues, 1, new Array<number>(rows).fill(0), new Array<number>(rows).fill(1), this.shape);
    return { logits, cache, columns: 1 };
  }

  /** Copies rows into a new batch; see {@link assembleCache}. */
  assemble(rows: Parameters<typeof assembleCache>[0]): BatchCache {
    return assembleCache(rows, this.shape);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async forward(
    inputIds: BigInt64Array,
    positionIds: BigInt64Array,
    mask: BigInt64Array,
    [rows, columns]: [number, number],
    past: BatchCache,
  ): Promise<{ logits: Float32Array[]; newKeyValues: ort.Tensor[] }> {
    // The input buffers are shared, so an overlapping call would overwrite the running one's inputs.
    if (this.running) throw new Error('BatchDecoder.forward called while another forward pass is running');
    this.running = true;

    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [rows, columns]),
      attention_mask: new ort.Tensor('int64', mask, [rows, past.capacity + columns]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positionIds, [rows, columns]);
    for (let i = 0; i < this.pastNames.length; i++) feeds[this.pastNames[i]!] = past.tensors[i]!;

    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(feeds, this.fetches);
    } finally {
      this.running = false;
    }

    const vocabSize = this.config.vocabSize;
    const logitsData = (outputs.logits as ort.Tensor).data as Float32Array;
    const logits: Float32Array[] = [];
    for (let row = 0; row < rows; row++) {
      const last = (row * columns + columns - 1) * vocabSize;
      logits.push(logitsData.subarray(last, last + vocabSize));
    }

    // TODO: on CUDA, keep the cache on the device between steps. onnxruntime-node 1.30 documents
    // preferredOutputLocation for its web builds only, so each step copies the cache to the device.
    return { logits, newKeyValues: this.newNames.map((name) => outputs[name] as ort.Tensor) };
  }

  // Each returns a view of exactly `size` elements, since onnxruntime reads a tensor's whole array.
  private inputBuffer(size: number): BigInt64Array {
    if (this.inputIds.length < size) this.inputIds = new BigInt64Array(size * 2);
    return this.inputIds.subarray(0, size);
  }

  private positionBuffer(size: number): BigInt64Array {
    if (this.positionIds.length < size) this.positionIds = new BigInt64Array(size * 2);
    return this.positionIds.subarray(0, size);
  }

  private maskBuffer(size: number): BigInt64Array {
    if (this.mask.length < size) this.mask = new BigInt64Array(size * 2);
    return this.mask.subarray(0, size);
  }

  private checkLength(length: number): void {
    if (length > this.config.contextLength) {
      throw new RangeError(`sequence length ${length} exceeds the model's context length ${this.config.contextLength}`);
    }
  }
}

/**
 * Loads one ONNX file of a decoder with past for the continuous-batching engine. A model without
 * `new_key_values.*` outputs gets them added in memory first (see {@link addNewKeyValueOutputs}).
 */
export async function loadBatchDecoder(onnxPath: string, config: ModelConfig, session: SessionConfig): Promise<BatchDecoder> {
  let inferenceSession = await createInferenceSession(onnxPath, session);
  if (!inferenceSession.outputNames.includes(newKeyValueNames(1)[0]!)) {
    await inferenceSession.release();
    const withOutputs = addNewKeyValueOutputs(await readFile(onnxPath), config.numHiddenLayers);
    inferenceSession = await createInferenceSession(withOutputs, session);
  }
  try {
    return new BatchDecoder(inferenceSession, config, onnxPath);
  } catch (error) {
    await inferenceSession.release();
    throw error;
  }
}
