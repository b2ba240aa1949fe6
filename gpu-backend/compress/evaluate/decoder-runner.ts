/**
 * Batched forward passes through a decoder-with-past ONNX model (the layout `model-import`
 * writes and transformers.js loads): `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value` in; `logits` and `present.{i}.key|value` out.
 *
 * Unlike the serving runtime's `DecoderSession` (one sequence), this drives whole batches of
 * equal-length rows, which is what quality and latency measurement need.
 */

import * as ort from 'onnxruntime-node';

import type { DecoderShape } from '../../model-import/llama-graph.js';

export type { DecoderShape };

export type PastKeyValues = Record<string, ort.Tensor>;

export interface ForwardOutput {
  /** Row-major [batch, sequence, vocab]. */
  logits: Float32Array;
  /** `past_key_values.*` feeds for the next call, taken from this call's `present.*` outputs. */
  past: PastKeyValues;
  pastLength: number;
}

type KvType = 'float32' | 'float16';

export class DecoderRunner {
  private readonly kvType: KvType;
  private readonly hasPositionIds: boolean;

  constructor(
    readonly session: ort.InferenceSession,
    readonly shape: DecoderShape,
  ) {
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.kvType = this.checkSignature();
  }

  /**
   * Returns the cache of `batch` sequences with no tokens yet. Heads and head size come from each
   * input's declared shape when it is fixed, because structured pruning may remove KV heads per layer.
   */
  emptyPast(batch: number): PastKeyValues {
    const past: PastKeyValues = {};
    for (let layer = 0; layer < this.shape.numLayers; layer++) {
      for (const name of [`past_key_values.${layer}.key`, `past_key_values.${layer}.value`]) {
        const [heads, headDim] = this.cacheDims(name);
        const data = this.kvType === 'float32' ? new Float32Array(0) : new Uint16Array(0);
        past[name] = new ort.Tensor(this.kvType, data, [batch, heads, 0, headDim]);
      }
    }
    return past;
  }

  private cacheDims(name: string): [number, number] {
    const metadata = this.session.inputMetadata.find((entry) => entry.name === name);
    const shape = metadata?.isTensor ? metadata.shape : [];
    const heads = typeof shape[1] === 'number' ? shape[1] : this.shape.numKvHeads;
    const headDim = typeof shape[3] === 'number' ? shape[3] : this.shape.headDim;
    return [heads, headDim];
  }

  /**
   * Appends `tokens` (rows of equal length, no padding) to `past`, which contains `pastLength`
   * tokens per row; positions continue from `pastLength`.
   */
  async forward(tokens: readonly (readonly number[])[], past: PastKeyValues, pastLength: number): Promise<ForwardOutput> {
    const batch = tokens.length;
    const length = tokens[0]?.length ?? 0;
    if (batch === 0 || length === 0) throw new RangeError('forward needs at least one row with at least one token');
    if (tokens.some((row) => row.length !== length)) throw new RangeError('forward needs rows of equal length');

    const inputIds = new BigInt64Array(batch * length);
    const positionIds = new BigInt64Array(batch * length);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        inputIds[b * length + t] = BigInt(tokens[b]![t]!);
        positionIds[b * length + t] = BigInt(pastLength + t);
      }
    }
    const totalLength = pastLength + length;

    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [batch, length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * totalLength).fill(1n), [batch, totalLength]),
      ...past,
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch, length]);

    const outputs = await this.session.run(feeds);

    const next: PastKeyValues = {};
    for (let layer = 0; layer < this.shape.numLayers; layer++) {
      next[`past_key_values.${layer}.key`] = outputs[`present.${layer}.key`]!;
      next[`past_key_values.${layer}.value`] = outputs[`present.${layer}.value`]!;
    }
    return { logits: outputs.logits!.data as Float32Array, past: next, pastLength: totalLength };
  }

  /** Checks inputs and outputs and returns the KV-cache element type. */
  private checkSignature(): KvType {
    const pastNames: string[] = [];
    const presentNames: string[] = [];
    for (let layer = 0; layer < this.shape.numLayers; layer++) {
      pastNames.push(`past_key_values.${layer}.key`, `past_key_values.${layer}.value`);
      presentNames.push(`present.${layer}.key`, `present.${layer}.value`);
    }
    const missingInputs = ['input_ids', 'attention_mask', ...pastNames].filter((name) => !this.session.inputNames.includes(name));
    const missingOutputs = ['logits', ...presentNames].filter((name) => !this.session.outputNames.includes(name));
    if (missingInputs.length > 0 || missingOutputs.length > 0) {
      throw new Error(
        `ONNX model is not a decoder with past for ${this.shape.numLayers} layers: ` +
          `missing inputs [${missingInputs.join(', ')}], missing outputs [${missingOutputs.join(', ')}]`,
      );
    }

    const logits = this.session.outputMetadata.find((entry) => entry.name === 'logits');
    if (logits?.isTensor && logits.type !== 'float32') throw new Error(`ONNX output logits must be float32, got ${logits.type}`);

    const pastMetadata = this.session.inputMetadata.find((entry) => entry.name === pastNames[0]);
    const kvType = pastMetadata?.isTensor ? pastMetadata.type : 'float32';
    if (kvType !== 'float32' && kvType !== 'float16') throw new Error(`unsupported KV-cache type ${kvType} for ${pastNames[0]}`);
    return kvType;
  }
}
