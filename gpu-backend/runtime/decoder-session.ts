/**
 * One forward pass at a time through a decoder-with-past ONNX model (Hugging Face Optimum
 * layout): `input_ids`, `attention_mask`, `position_ids` and `past_key_values.{i}.key|value` in,
 * `logits` and `present.{i}.key|value` out.
 *
 * The KV cache of a sequence is the `present.*` tensors of its last step. onnxruntime never writes
 * into its inputs, so several sequences may share one prefill's cache and grow apart from it.
 */

import * as ort from 'onnxruntime-node';

import type { ModelConfig } from './model-folder.js';

/** The KV cache of one sequence after `length` tokens. */
export interface KvCache {
  readonly length: number;
  /** `past_key_values.{i}.key` then `.value` for each layer i, shape [1, num_kv_heads, length, head_dim]. */
  readonly tensors: readonly ort.Tensor[];
}

export interface ForwardResult {
  /** Logits of the last input position (length vocab_size), a view into this pass's output tensor. */
  logits: Float32Array;
  cache: KvCache;
}

const KV_TYPES = ['float32', 'float16'] as const;
export type KvType = (typeof KV_TYPES)[number];

export class DecoderSession {
  private readonly pastNames: string[] = [];
  private readonly presentNames: string[] = [];
  private readonly hasPositionIds: boolean;
  private readonly emptyCache: KvCache;

  /** All ones; a prefix view of it is the attention mask of an unpadded sequence. */
  private readonly onesMask: BigInt64Array;
  private readonly stepInputIds = new BigInt64Array(1);
  private readonly stepPositionIds = new BigInt64Array(1);
  private readonly stepInputIdsTensor: ort.Tensor;
  private readonly stepPositionIdsTensor: ort.Tensor;
  private running = false;

  constructor(
    readonly session: ort.InferenceSession,
    readonly config: ModelConfig,
  ) {
    for (let layer = 0; layer < config.numHiddenLayers; layer++) {
      this.pastNames.push(`past_key_values.${layer}.key`, `past_key_values.${layer}.value`);
      this.presentNames.push(`present.${layer}.key`, `present.${layer}.value`);
    }
    this.hasPositionIds = session.inputNames.includes('position_ids');
    checkDecoderSignature(session, config);

    const kvType = readKvType(session);
    const emptyShape = [1, config.numKeyValueHeads, 0, config.headDim];
    const emptyData = kvType === 'float32' ? new Float32Array(0) : new Uint16Array(0);
    this.emptyCache = { length: 0, tensors: this.pastNames.map(() => new ort.Tensor(kvType, emptyData, emptyShape)) };

    this.onesMask = new BigInt64Array(config.contextLength).fill(1n);
    this.stepInputIdsTensor = new ort.Tensor('int64', this.stepInputIds, [1, 1]);
    this.stepPositionIdsTensor = new ort.Tensor('int64', this.stepPositionIds, [1, 1]);
  }

  /** Runs the prompt through the model from an empty cache. */
  async prefill(tokenIds: readonly number[]): Promise<ForwardResult> {
    const length = tokenIds.length;
    if (length === 0) throw new RangeError('prefill needs at least one token');
    this.checkLength(length);

    const inputIds = BigInt64Array.from(tokenIds, (id) => BigInt(id));
    const positionIds = new BigInt64Array(length);
    for (let position = 0; position < length; position++) positionIds[position] = BigInt(position);

    return this.forward(
      new ort.Tensor('int64', inputIds, [1, length]),
      new ort.Tensor('int64', positionIds, [1, length]),
      this.emptyCache,
      length,
    );
  }

  /** Appends one token to `cache` and returns the logits for the position after it. */
  async decode(cache: KvCache, tokenId: number): Promise<ForwardResult> {
    this.checkLength(cache.length + 1);
    this.stepInputIds[0] = BigInt(tokenId);
    this.stepPositionIds[0] = BigInt(cache.length);
    return this.forward(this.stepInputIdsTensor, this.stepPositionIdsTensor, cache, 1);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async forward(inputIds: ort.Tensor, positionIds: ort.Tensor, cache: KvCache, inputLength: number): Promise<ForwardResult> {
    // The step buffers are shared, so an overlapping call would overwrite the running one's inputs.
    if (this.running) throw new Error('DecoderSession.forward called while another forward pass is running');
    this.running = true;

    const totalLength = cache.length + inputLength;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: inputIds,
      attention_mask: new ort.Tensor('int64', this.onesMask.subarray(0, totalLength), [1, totalLength]),
    };
    if (this.hasPositionIds) feeds.position_ids = positionIds;
    for (let i = 0; i < this.pastNames.length; i++) feeds[this.pastNames[i]!] = cache.tensors[i]!;

    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(feeds);
    } finally {
      this.running = false;
    }

    const logitsTensor = outputs.logits as ort.Tensor;
    const vocabSize = this.config.vocabSize;
    const logitsData = logitsTensor.data as Float32Array;
    const lastRow = logitsData.subarray((inputLength - 1) * vocabSize, inputLength * vocabSize);

    // TODO: on CUDA, keep present.* on the device between steps. onnxruntime 1.30 documents
    // preferredOutputLocation for its web builds only, so each step copies the KV cache to the host and back.
    const tensors = this.presentNames.map((name) => outputs[name] as ort.Tensor);
    return { logits: lastRow, cache: { length: totalLength, tensors } };
  }

  private checkLength(length: number): void {
    if (length > this.config.contextLength) {
      throw new RangeError(`sequence length ${length} exceeds the model's context length ${this.config.contextLength}`);
    }
  }
}

/** Throws unless `session` has the decoder-with-past inputs and outputs for `config`'s layer count. */
export function checkDecoderSignature(session: ort.InferenceSession, config: ModelConfig): void {
  const pastNames = pastKeyValueNames(config.numHiddenLayers);
  const presentNames = presentNamesOf(config.numHiddenLayers);
  const required = ['input_ids', 'attention_mask', ...pastNames];
  const missingInputs = required.filter((name) => !session.inputNames.includes(name));
  const missingOutputs = ['logits', ...presentNames].filter((name) => !session.outputNames.includes(name));
  if (missingInputs.length > 0 || missingOutputs.length > 0) {
    throw new Error(
      `ONNX model is not a decoder with past for ${config.numHiddenLayers} layers: ` +
        `missing inputs [${missingInputs.join(', ')}], missing outputs [${missingOutputs.join(', ')}]`,
    );
  }

  const logits = session.outputMetadata.find((metadata) => metadata.name === 'logits');
  if (logits?.isTensor && logits.type !== 'float32') throw new Error(`ONNX output logits must be float32, got ${logits.type}`);
}

/** Element type of the KV-cache inputs. */
export function readKvType(session: ort.InferenceSession): KvType {
  const metadata = session.inputMetadata.find((entry) => entry.name === 'past_key_values.0.key');
  const type = metadata?.isTensor ? metadata.type : 'float32';
  if (!(KV_TYPES as readonly string[]).includes(type)) throw new Error(`unsupported KV-cache type ${type} for past_key_values.0.key`);
  return type as KvType;
}

/** `past_key_values.{i}.key` then `.value` for each layer i. */
export function pastKeyValueNames(numLayers: number): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) names.push(`past_key_values.${layer}.key`, `past_key_values.${layer}.value`);
  return names;
}

/** `present.{i}.key` then `.value` for each layer i. */
export function presentNamesOf(numLayers: number): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) names.push(`present.${layer}.key`, `present.${layer}.value`);
  return names;
}
