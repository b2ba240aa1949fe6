import { describe, expect, it } from 'vitest';

import { GloveSifEmbedder, type GloveSifTables } from './glove-sif-embedder.js';
import { loadGloveSifTables } from './node-loaders.js';
import { cosineSimilarity, dot } from './vector-math.js';

const TABLES: GloveSifTables = {
  vectors: new Map([
    ['the', Float32Array.of(1, 0, 0)],
    ['cat', Float32Array.of(0, 1, 0)],
    ['dog', Float32Array.of(0, 0.8, 0.6)],
    ['dont', Float32Array.of(0, 0, 1)],
  ]),
  dimension: 3,
  wordProbabilities: new Map([['the', 0.05], ['cat', 1e-5], ['dog', 1e-5]]),
  unseenWordProbability: 1e-7,
};

describe('GloveSifEmbedder', () => {
  it('returns one vector of the table dimension per text', async () => {
    const embedder = new GloveSifEmbedder(TABLES, { principalComponent: null });
    const vectors = await embedder.embed(['the cat', 'the dog', '']);

    expect(vectors).toHaveLength(3);
    for (const vector of vectors) expect(vector).toHaveLength(3);
  });

  it('weights frequent words down', () => {
    const embedder = new GloveSifEmbedder(TABLES, { principalComponent: null });
    const vector = embedder.embedOne('the cat');

    // Weights a / (a + p): 1e-3 / 0.051 for "the" and 1e-3 / 0.00101 for "cat", averaged over 2 words.
    expect(vector[0]).toBeCloseTo(1e-3 / 0.051 / 2, 6);
    expect(vector[1]).toBeCloseTo(1e-3 / 0.00101 / 2, 6);
  });

  it('removes the principal component', () => {
    const component = Float32Array.of(0, 1, 0);
    const embedder = new GloveSifEmbedder(TABLES, { principalComponent: component });
    expect(dot(embedder.embedOne('the dog'), component)).toBeCloseTo(0, 6);
  });

  it('looks contractions up without the apostrophe', () => {
    const embedder = new GloveSifEmbedder(TABLES, { principalComponent: null });
    expect(embedder.embedOne("don't")[2]).toBeGreaterThan(0);
  });

  it('returns the zero vector for unknown words', () => {
    const embedder = new GloveSifEmbedder(TABLES, { principalComponent: null });
    expect(Array.from(embedder.embedOne('zebra ???'))).toEqual([0, 0, 0]);
  });

  it('rejects a component of the wrong length', () => {
    expect(() => new GloveSifEmbedder(TABLES, { principalComponent: Float32Array.of(1) })).toThrow(
      RangeError,
    );
  });
});

describe('GloveSifEmbedder on the GloVe twitter table', async () => {
  const tables = await loadGloveSifTables();
  const embedder = new GloveSifEmbedder(tables, { principalComponent: null });

  it('has 25 dimensions', async () => {
    const [vector] = await embedder.embed(['A man is playing a guitar.']);
    expect(embedder.dimension).toBe(25);
    expect(vector).toHaveLength(25);
  });

  it('is deterministic', async () => {
    const [first, second] = await embedder.embed(['A man is playing a guitar.', 'A man is playing a guitar.']);
    expect(Array.from(second!)).toEqual(Array.from(first!));
  });

  it('gives identical texts cosine 1', async () => {
    const [first, second] = await embedder.embed(['The cat sat on the mat.', 'the cat sat on the mat']);
    expect(cosineSimilarity(first!, second!)).toBeCloseTo(1, 6);
  });

  it('ranks a paraphrase above an unrelated sentence', async () => {
    const [anchor, paraphrase, unrelated] = await embedder.embed([
      'A man is playing a guitar.',
      'A man plays the guitar.',
      'Stocks fell sharply on Monday.',
    ]);
    expect(cosineSimilarity(anchor!, paraphrase!)).toBeGreaterThan(cosineSimilarity(anchor!, unrelated!));
  });
});
