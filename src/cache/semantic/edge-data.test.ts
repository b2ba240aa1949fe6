/**
 * The Worker's bundled scorer tables (edge-data.ts) against the Node loaders they are built from:
 * the round trip must keep every value, so the Worker's scores equal the Node scorer's.
 */

import { beforeAll, describe, expect, it } from 'vitest';

import { COMBINED_MODEL } from './combined-model.generated.js';
import { createCombinedScorerFromEmbedders, createEmbeddersFromIdf } from './create-scorer.js';
import { base64ToBytes, bytesToBase64, decodeEdgeData, encodeEdgeData, type EdgeData } from './edge-data.js';
import { loadCombinedScorer, loadEdgeData, loadStsb } from './node-loaders.js';
import type { StsbPair } from './stsb.js';

let original: EdgeData;
let decoded: EdgeData;
let encoded: Uint8Array;

beforeAll(async () => {
  original = await loadEdgeData();
  encoded = encodeEdgeData(original);
  decoded = decodeEdgeData(base64ToBytes(bytesToBase64(encoded)));
}, 30_000);

describe('edge data', () => {
  it('keeps every table value through encoding and base64', () => {
    expect(decoded.gloveTables.dimension).toBe(original.gloveTables.dimension);
    expect(decoded.gloveTables.unseenWordProbability).toBe(original.gloveTables.unseenWordProbability);
    expect([...decoded.gloveTables.vectors.keys()]).toEqual([...original.gloveTables.vectors.keys()]);
    for (const [word, vector] of original.gloveTables.vectors) expect(decoded.gloveTables.vectors.get(word)).toEqual(vector);
    expect(decoded.gloveTables.wordProbabilities).toEqual(original.gloveTables.wordProbabilities);
    expect(decoded.trigramIdf).toEqual(original.trigramIdf);
  });

  it('scores the STS Benchmark dev pairs exactly as the Node scorer does', async () => {
    const nodeScorer = await loadCombinedScorer();
    const edgeScorer = createCombinedScorerFromEmbedders(createEmbeddersFromIdf(decoded.gloveTables, decoded.trigramIdf, COMBINED_MODEL), COMBINED_MODEL);
    const pairs: StsbPair[] = (await loadStsb('dev')).pairs.slice(0, 200);

    for (const pair of pairs) {
      const [nodeFirst, nodeSecond] = await nodeScorer.embedTexts([pair.first, pair.second]);
      const [edgeFirst, edgeSecond] = await edgeScorer.embedTexts([pair.first, pair.second]);
      expect(edgeScorer.decide(edgeFirst!, edgeSecond!)).toEqual(nodeScorer.decide(nodeFirst!, nodeSecond!));
    }
    expect(edgeScorer.threshold).toBe(nodeScorer.threshold);
  });

  it('rejects an asset whose length does not match its header', () => {
    expect(() => decodeEdgeData(encoded.subarray(0, encoded.length - 4))).toThrow(/bytes, but its header describes/);
  });
});
