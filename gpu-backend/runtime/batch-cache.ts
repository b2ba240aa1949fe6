/**
 * Batch-major KV cache of the sequences decoding together, kept in buffers that this runtime owns:
 * one per `past_key_values.{i}.key|value`, shape [rows, num_kv_heads, capacity, head_dim]. Each row
 * is left-aligned: its `length` real positions are columns 0..length-1, and the columns after them
 * are free space that the attention mask hides.
 *
 * A forward pass reads the buffers as its past (onnxruntime-node wraps a typed array without
 * copying it) and returns only the new keys and values (`new_key_values.*`), which
 * {@link appendColumns} writes after each row's last position. So a decode step copies one column
 * per row, not the whole cache. Rows are copied only when the set of sequences changes
 * ({@link assembleCache}) or when the capacity grows ({@link ensureCapacity}).
 */

import * as ort from 'onnxruntime-node';

import type { KvType } from './decoder-session.js';

/** Capacity grows in steps of this many positions, so a growing batch copies its cache rarely. */
export const CAPACITY_STEP = 32;

type KvArray = Float32Array | Uint16Array;

export interface BatchCache {
  /** One tensor per `past_key_values.{i}.key|value`, shape [rows, num_kv_heads, capacity, head_dim]. */
  tensors: ort.Tensor[];
  capacity: number;
  /** Real positions of each row (its sequence length so far), each at most `capacity`. */
  readonly lengths: number[];
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
  /** The model's context length, the largest capacity ever needed. */
  contextLength: number;
}

/** Returns the smallest capacity step that fits `length` positions, at most the context length. */
export function capacityFor(length: number, contextLength: number): number {
  return Math.min(contextLength, Math.max(CAPACITY_STEP, Math.ceil(length / CAPACITY_STEP) * CAPACITY_STEP));
}

/** Creates a cache of `rows` empty rows with room for `capacity` positions each. */
export function createCache(rows: number, tensorCount: number, capacity: number, shape: CacheShape): BatchCache {
  const size = rows * shape.numKvHeads * capacity * shape.headDim;
  const dims = [rows, shape.numKvHeads, capacity, shape.headDim];
  const tensors = Array.from({ length: tensorCount }, () => new ort.Tensor(shape.kvType, allocate(shape.kvType, size), dims));
  return { tensors, capacity, lengths: new Array<number>(rows).fill(0) };
}

/** Copies the given rows, in order, into a new cache with room for one more position than the longest row. */
export function assembleCache(rows: readonly CacheRowRef[], shape: CacheShape): BatchCache {
  const lengths = rows.map(({ cache, row }) => cache.lengths[row]!);
  const longest = lengths.reduce((max, length) => Math.max(max, length), 0);
  const tensorCount = rows[0]?.cache.tensors.length ?? 0;
  const target = createCache(rows.length, tensorCount, capacityFor(longest + 1, shape.contextLength), shape);

  rows.forEach(({ cache, row }, targetRow) => {
    copyRow(cache, row, target, targetRow, lengths[targetRow]!, shape);
    target.lengths[targetRow] = lengths[targetRow]!;
  });
  return target;
}

/** Grows `cache` in place (new buffers, rows copied) so that every row can reach `length` positions. */
export function ensureCapacity(cache: BatchCache, length: number, shape: CacheShape): void {
  if (length <= cache.capacity) return;
  if (length > shape.contextLength) throw new RangeError(`sequence length ${length} exceeds the model's context length ${shape.contextLength}`);

  const grown = createCache(cache.lengths.length, cache.tensors.length, capacityFor(length, shape.contextLength), shape);
  cache.lengths.forEach((rowLength, row) => copyRow(cache, row, grown, row, rowLength, shape));
  cache.tensors = grown.tensors;
  cache.capacity = grown.capacity;
}

/**
 * Writes a forward pass's new keys and values after each row's last position and advances the
 * row lengths. `outputs[t]` is [rows, num_kv_heads, columns, head_dim], and row r takes `counts[r]`
 * columns starting at `firstColumns[r]` (prefill rows are left-padded, so their real columns end
 * the block).
 */
export function appendColumns(cache: BatchCache, outputs: readonly ort.Tensor[], columns: number, firstColumns: readonly number[], counts: readonly number[], shape: CacheShape): void {
  const { numKvHeads, headDim } = shape;
  const capacity = cache.capacity;
  for (let t = 0; t < outputs.length; t++) {
    const source = outputs[t]!.data as KvArray;
    const target = cache.tensors[t]!.data as KvArray;
    for (let row = 0; row < cache.lengths.length; row++) {
      const span = counts[row]! * headDim;
      for (let head = 0; head < numKvHeads; head++) {
        const from = ((row * numKvHeads + head) * columns + firstColumns[row]!) * headDim;
        const to = ((row * numKvHeads + head) * capacity + cache.lengths[row]!) * headDim;
        // A decode step moves head_dim values per row and head, so a plain loop avoids a subarray per copy.
        for (let i = 0; i < span; i++) target[to + i] = source[from + i]!;
      }
    }
  }
  for (let row = 0; row < cache.lengths.length; row++) cache.lengths[row]! += counts[row]!;
}

function copyRow(source: BatchCache, sourceRow: number, target: BatchCache, targetRow: number, length: number, shape: CacheShape): void {
  const { numKvHeads, headDim } = shape;
  const span = length * headDim;
  for (let t = 0; t < source.tensors.length; t++) {
    const from = source.tensors[t]!.data as KvArray;
    const to = target.tensors[t]!.data as KvArray;
    for (let head = 0; head < numKvHeads; head++) {
      const start = (sourceRow * numKvHeads + head) * source.capacity * headDim;
      to.set(from.subarray(start, start + span), (targetRow * numKvHeads + head) * target.capacity * headDim);
    }
  }
}

function allocate(kvType: KvType, size: number): KvArray {
  return kvType === 'float32' ? new Float32Array(size) : new Uint16Array(size);
}
