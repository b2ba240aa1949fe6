/**
 * Batch-major KV cache of the sequences decoding together: tensors
 * [rows, num_kv_heads, width, head_dim] in `past_key_values` order, each row right-aligned so that
 * its `length` real positions are the last columns and the columns before them are left padding.
 *
 * Every decode step appends one column to all rows, so right alignment survives the step and the
 * step's `present.*` outputs are the next step's cache with no copy. Rows are copied only when the
 * set of sequences changes ({@link assembleCache}).
 */

import * as ort from 'onnxruntime-node';

import type { KvType } from './decoder-session.js';

export interface BatchCache {
  /** One tensor per `past_key_values.{i}.key|value`, shape [rows, num_kv_heads, width, head_dim]. */
  readonly tensors: readonly ort.Tensor[];
  readonly width: number;
  /** Real positions of each row (its sequence length so far), each at most `width`. */
  readonly lengths: readonly number[];
}

/** Row `row` of `cache`, to be copied into a new batch. */
export interface CacheRowRef {
  cache: BatchCache;
  row: number;
}

export interface CacheShape {
  numKvHeads: number;
  headDim: number;
  kvType: KvType;
}

/** Creates an empty cache with `rows` rows, the past of a prefill. */
export function emptyCache(rows: number, tensorCount: number, shape: CacheShape): BatchCache {
  const dims = [rows, shape.numKvHeads, 0, shape.headDim];
  const data = shape.kvType === 'float32' ? new Float32Array(0) : new Uint16Array(0);
  const tensors = Array.from({ length: tensorCount }, () => new ort.Tensor(shape.kvType, data, dims));
  return { tensors, width: 0, lengths: new Array<number>(rows).fill(0) };
}

/**
 * Copies the given rows, in order, into a new right-aligned batch whose width is the longest
 * row's length. Padding columns are zero and masked out by the attention mask.
 */
export function assembleCache(rows: readonly CacheRowRef[], shape: CacheShape): BatchCache {
  const lengths = rows.map(({ cache, row }) => cache.lengths[row]!);
  const width = lengths.reduce((max, length) => Math.max(max, length), 0);
  const tensorCount = rows[0]?.cache.tensors.length ?? 0;
  const { numKvHeads, headDim } = shape;
  const dims = [rows.length, numKvHeads, width, headDim];

  const tensors: ort.Tensor[] = [];
  for (let t = 0; t < tensorCount; t++) {
    const target = shape.kvType === 'float32' ? new Float32Array(rows.length * numKvHeads * width * headDim) : new Uint16Array(rows.length * numKvHeads * width * headDim);

    rows.forEach(({ cache, row }, targetRow) => {
      const source = cache.tensors[t]!.data as Float32Array | Uint16Array;
      const length = lengths[targetRow]!;
      const span = length * headDim;
      for (let head = 0; head < numKvHeads; head++) {
        const from = ((row * numKvHeads + head) * cache.width + (cache.width - length)) * headDim;
        const to = ((targetRow * numKvHeads + head) * width + (width - length)) * headDim;
        target.set(source.subarray(from, from + span), to);
      }
    });
    tensors.push(new ort.Tensor(shape.kvType, target, dims));
  }
  return { tensors, width, lengths };
}
