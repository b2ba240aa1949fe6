/**
 * Batched forward passes through a decoder-with-past ONNX model (Hugging Face Optimum layout) for
 * the continuous-batching scheduler: left-padded prefill, prefill continuation of one sequence in
 * chunks, and one decode step for a whole {@link BatchCache}.
 *
 * Step inputs live in buffers reused across calls, so a decode step allocates only the tensor
 * wrappers and onnxruntime's outputs.
 */

import * as ort from 'onnxruntime-node';

import { assembleCache, emptyCache, type BatchCache, type CacheShape } from './batch-cache.js';
import { checkDecoderSignature, pastKeyValueNames, presentNamesOf, readKvType } from './decoder-session.js';
import type { ModelConfig } from './model-folder.js';

export interface BatchForwardResult {
  /** Logits of each row's last input position (vocab_size floats), views into this pass's output. */
  logits: Float32Array[];
  cache: BatchCache;
}

export class BatchDecoder {
  readonly shape: CacheShape;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
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
    this.presentNames = presentNamesOf(config.numHiddenLayers);
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.shape = { numKvHeads: config.numKeyValueHeads, headDim: config.headDim, kvType: readKvType(session) };
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

    const past = emptyCache(rows, this.pastNames.length, this.shape);
    return this.forward(inputIds, positionIds, mask, [rows, width], past, prompts.map((prompt) => prompt.length));
  }

  /** Appends `tokenIds` to the one-row `cache` (a prompt chunk after the first). */
  async extend(cache: BatchCache, tokenIds: readonly number[]): Promise<BatchForwardResult> {
    if (cache.lengths.length !== 1 || cache.lengths[0] !== cache.width) throw new RangeError('extend needs an unpadded one-row cache');
    const past = cache.width;
    const count = tokenIds.length;
    this.checkLength(past + count);

    const inputIds = this.inputBuffer(count);
    const positionIds = this.positionBuffer(count);
    const mask = this.maskBuffer(past + count).fill(1n);
    tokenIds.forEach((id, i) => {
      inputIds[i] = BigInt(id);
      positionIds[i] = BigInt(past + i);
    });
    return this.forward(inputIds, positionIds, mask, [1, count], cache, [past + count]);
  }

  /** Appends one token to every row of `cache`; `tokenIds[row]` is that row's input. */
  async decode(cache: BatchCache, tokenIds: readonly number[]): Promise<BatchForwardResult> {
    const rows = cache.lengths.length;
    if (tokenIds.length !== rows) throw new RangeError(`decode got ${tokenIds.length} tokens for ${rows} rows`);
    const width = cache.width + 1;
    this.checkLength(Math.max(...cache.lengths) + 1);

    const inputIds = this.inputBuffer(rows);
    const positionIds = this.positionBuffer(rows);
    const mask = this.maskBuffer(rows * width);
    const lengths = new Array<number>(rows);
    for (let row = 0; row < rows; row++) {
      const length = cache.lengths[row]!;
      inputIds[row] = BigInt(tokenIds[row]!);
      positionIds[row] = BigInt(length);
      mask.fill(0n, row * width, (row + 1) * width - length - 1);
      mask.fill(1n, (row + 1) * width - length - 1, (row + 1) * width);
      lengths[row] = length + 1;
    }
    return this.forward(inputIds, positionIds, mask, [rows, 1], cache, lengths);
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
    lengths: number[],
  ): Promise<BatchForwardResult> {
    // The input buffers are shared, so an overlapping call would overwrite the running one's inputs.
    if (this.running) throw new Error('BatchDecoder.forward called while another forward pass is running');
    this.running = true;

    const total = past.width + columns;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [rows, columns]),
      attention_mask: new ort.Tensor('int64', mask, [rows, total]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positionIds, [rows, columns]);
    for (let i = 0; i < this.pastNames.length; i++) feeds[this.pastNames[i]!] = past.tensors[i]!;

    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(feeds);
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

    // TODO: on CUDA, keep present.* on the device between steps. onnxruntime-node 1.30 documents
    // preferredOutputLocation for its web builds only, so each step copies the KV cache to the host and back.
    const tensors = this.presentNames.map((name) => outputs[name] as ort.Tensor);
    return { logits, cache: { tensors, width: total, lengths } };
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
