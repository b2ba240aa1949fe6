import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, expectedFloatCount, parseLlama2cCheckpoint } from './llama2c.js';

const SHARED = new URL('../../../shared/models/', import.meta.url).pathname;
const stories = readFileSync(`${SHARED}/stories260K/stories260K.bin`);

function withHeader(bytes: Uint8Array, values: Partial<Record<number, number>>): Uint8Array {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  for (const [index, value] of Object.entries(values)) view.setInt32(Number(index) * 4, value!, true);
  return copy;
}

describe('llama2.c checkpoint reader', () => {
  it('reads the stories260K header and weights', () => {
    const { config, weights } = parseLlama2cCheckpoint(stories, 'stories260K.bin');
    expect(config).toEqual({
      dim: 64,
      hiddenDim: 172,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      vocabSize: 512,
      seqLen: 512,
      sharedClassifier: true,
      headSize: 8,
      kvDim: 32,
    });
    expect(28 + 4 * expectedFloatCount(config)).toBe(stories.length);
    expect(weights.wq).toHaveLength(5 * 64 * 64);
    expect(weights.wk).toHaveLength(5 * 32 * 64);
    expect(weights.w2).toHaveLength(5 * 64 * 172);
    expect(weights.wcls).toBe(weights.tokenEmbedding);
    // First float after the header is the first embedding value.
    expect(weights.tokenEmbedding[0]).toBe(new DataView(stories.buffer, stories.byteOffset).getFloat32(28, true));
    expect(weights.rmsFinal[63]).toBe(new DataView(stories.buffer, stories.byteOffset).getFloat32(28 + 4 * (expectedFloatCount(config) - 512 * 8 - 1), true));
  });

  it('reads babyllama (dim 128, vocab 105, seq 256)', () => {
    const { config } = parseLlama2cCheckpoint(readFileSync(`${SHARED}/babyllama-tok105/model.bin`));
    expect(config).toMatchObject({ dim: 128, hiddenDim: 352, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 105, seqLen: 256 });
  });

  it('rejects a file whose size does not match its header', () => {
    expect(() => parseLlama2cCheckpoint(stories.subarray(0, stories.length - 4), 'cut.bin')).toThrow(/cut.bin: size 1056536 bytes does not match the header.*needs 1056540 bytes \(truncated\?\)/);
    const longer = new Uint8Array(stories.length + 8);
    longer.set(stories);
    expect(() => parseLlama2cCheckpoint(longer, 'long.bin')).toThrow(/trailing data/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 5: -512 }), 'sign.bin')).toThrow(/untied classifier.*is the sign of vocab_size wrong/);
  });

  it('rejects bad headers with a clear message', () => {
    expect(() => parseLlama2cCheckpoint(stories.subarray(0, 10), 'tiny.bin')).toThrow(/too short for a llama2.c header/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 0: 0 }), 'zero.bin')).toThrow(/bad llama2.c header: dim = 0/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 3: -8 }), 'neg.bin')).toThrow(/nHeads = -8/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 3: 7 }), 'heads.bin')).toThrow(/not a multiple of n_heads 7/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 4: 3 }), 'kv.bin')).toThrow(/not a multiple of n_kv_heads 3/);
    expect(() => parseLlama2cCheckpoint(withHeader(stories, { 0: 0x616b3432 }), 'v1.bin')).toThrow(/version 1\+/);
    expect(() => parseLlama2cCheckpoint(new TextEncoder().encode('<html>not found</html> padding padding'), 'html.bin')).toThrow(CheckpointFormatError);
  });

  it('rejects non-finite weights', () => {
    const copy = new Uint8Array(stories);
    new DataView(copy.buffer).setFloat32(28 + 4 * 100, Number.NaN, true);
    expect(() => parseLlama2cCheckpoint(copy, 'nan.bin')).toThrow(/tokenEmbedding holds a non-finite value at index 100/);
  });
});
