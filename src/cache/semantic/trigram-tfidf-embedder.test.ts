import { describe, expect, it } from 'vitest';

import { learnTrigramIdf, TrigramTfidfEmbedder, trigramHashes } from './trigram-tfidf-embedder.js';
import { cosineSimilarity, euclideanNorm } from './vector-math.js';

const CORPUS = [
  'A man is playing a guitar.',
  'A woman is slicing an onion.',
  'A man is riding a horse.',
  'The cat sat on the mat.',
];

describe('trigramHashes', () => {
  it('pads words with spaces and ignores punctuation and case', () => {
    expect(trigramHashes('Hi!')).toEqual(trigramHashes('hi'));
    // " hi " has the trigrams " hi" and "hi ".
    expect(trigramHashes('hi')).toHaveLength(2);
  });

  it('returns nothing for an empty text', () => {
    expect(trigramHashes('')).toEqual([]);
  });
});

describe('learnTrigramIdf', () => {
  it('gives rarer trigrams a higher weight', () => {
    const table = learnTrigramIdf(CORPUS, 1024);
    const common = trigramHashes(' is ')[0]! & 1023;
    const rare = trigramHashes('onion')[1]! & 1023;

    expect(table.documentCount).toBe(4);
    expect(table.idf[rare]).toBeGreaterThan(table.idf[common]!);
  });

  it('counts a trigram once per text', () => {
    const table = learnTrigramIdf(['hi hi hi'], 1024);
    const bucket = trigramHashes('hi')[0]! & 1023;

    // df = 1 of N = 1 text, so idf = ln(2 / 2) + 1, however often " hi" repeats.
    expect(table.idf[bucket]).toBeCloseTo(1, 6);
  });

  it('rejects a dimension that is not a power of two', () => {
    expect(() => learnTrigramIdf(CORPUS, 1000)).toThrow(RangeError);
  });
});

describe('TrigramTfidfEmbedder', () => {
  const embedder = new TrigramTfidfEmbedder(learnTrigramIdf(CORPUS, 4096));

  it('returns unit vectors of the table dimension', async () => {
    const vectors = await embedder.embed(['A man is playing a flute.', 'x']);

    expect(vectors).toHaveLength(2);
    for (const vector of vectors) {
      expect(vector).toHaveLength(4096);
      expect(euclideanNorm(vector)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic', async () => {
    const [first, second] = await embedder.embed(['A man is playing.', 'A man is playing.']);
    expect(Array.from(second!)).toEqual(Array.from(first!));
  });

  it('gives identical texts cosine 1', async () => {
    const [first, second] = await embedder.embed(['A man is playing a flute.', 'a man is playing a flute']);
    expect(cosineSimilarity(first!, second!)).toBeCloseTo(1, 6);
  });

  it('ranks a near copy above an unrelated text', async () => {
    const [anchor, nearCopy, unrelated] = await embedder.embed([
      'A man is playing a guitar.',
      'A man is playing the guitar.',
      'The cat sat on the mat.',
    ]);
    expect(cosineSimilarity(anchor!, nearCopy!)).toBeGreaterThan(0.8);
    expect(cosineSimilarity(anchor!, unrelated!)).toBeLessThan(0.3);
  });

  it('embeds an empty text as the zero vector', async () => {
    const [vector] = await embedder.embed(['']);
    expect(euclideanNorm(vector!)).toBe(0);
  });
});
