import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { normalize } from './embedding-model.js';
import { OnnxEmbeddingModel } from './onnx-embedding-model.js';
import { TINY_HIDDEN, TINY_VOCAB, tinyHiddenState, writeTinyEncoder } from './testing/tiny-encoder.js';

let dir: string;
let model: OnnxEmbeddingModel;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slimgate-encoder-'));
  await writeTinyEncoder(dir);
  model = await OnnxEmbeddingModel.load('tiny', dir, { executionProvider: 'cpu', intraOpNumThreads: 1 });
});

afterAll(async () => {
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

/** Mean of the graph's hidden states over [CLS] words [SEP], normalized, computed in JavaScript. */
function expectedEmbedding(words: string[]): Float32Array {
  const ids = [2, ...words.map((word) => TINY_VOCAB.indexOf(word as (typeof TINY_VOCAB)[number])), 3];
  const sum = new Float32Array(TINY_HIDDEN);
  for (const id of ids) tinyHiddenState(id).forEach((value, i) => (sum[i] = sum[i]! + value / ids.length));
  return normalize(sum);
}

describe('OnnxEmbeddingModel', () => {
  it('reads the dimension and truncatable sizes', () => {
    expect(model.dimension).toBe(TINY_HIDDEN);
    expect(model.truncatableDimensions).toEqual([4]);
  });

  it('mean-pools over the attention mask in a padded batch', async () => {
    const [short, long] = await model.embed(['The cat', 'the dog ran to a big red ball']);
    expectClose(short!, expectedEmbedding(['the', 'cat']));
    // "to" is not in the vocabulary, so it is [UNK] (id 1).
    const ids = [2, ...['the', 'dog', 'ran'].map((w) => TINY_VOCAB.indexOf(w as never)), 1, ...['a', 'big', 'red', 'ball'].map((w) => TINY_VOCAB.indexOf(w as never)), 3];
    const sum = new Float32Array(TINY_HIDDEN);
    for (const id of ids) tinyHiddenState(id).forEach((value, i) => (sum[i] = sum[i]! + value / ids.length));
    expectClose(long!, normalize(sum));
  });

  it('embeds a text the same alone and in a batch', async () => {
    const [alone] = await model.embed(['the cat sat on the mat']);
    const [batched] = await model.embed(['the cat sat on the mat', 'a dog ran in the big park with a red ball']);
    expectClose(batched!, alone!);
  });

  it('counts tokens with special tokens and truncates to the limit', async () => {
    expect(model.countTokens('the cat')).toBe(4);
    expect(model.countTokens(new Array(40).fill('cat').join(' '))).toBe(16);
    const [vector] = await model.embed([new Array(40).fill('cat').join(' ')]);
    expect(vector!.length).toBe(TINY_HIDDEN);
  });
});

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
}
