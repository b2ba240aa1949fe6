/**
 * Node-only loaders for the reference data of the semantic cache: GloVe vectors, unigram
 * counts and STS Benchmark pairs. The Worker bundle must not import this module, because it
 * reads files with `node:fs`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { COMBINED_MODEL } from './combined-model.generated.js';
import type { CombinedScorer } from './combined-scorer.js';
import { createCombinedScorer } from './create-scorer.js';
import type { EdgeData } from './edge-data.js';
import type { GloveSifTables } from './glove-sif-embedder.js';
import { parseStsb, referenceSentences, type StsbParseResult } from './stsb.js';
import { learnTrigramIdf } from './trigram-tfidf-embedder.js';

/** Layout of the shared data folder that sits next to the repository root. */
export const SHARED_PATHS = {
  gloveVectors: 'embeddings/glove-twitter-25d/vectors.txt',
  wordCounts: 'embeddings/glove-twitter-25d/word-counts.tsv',
  stsbTrain: 'data/stsb/sts-train.csv',
  stsbDev: 'data/stsb/sts-dev.csv',
} as const;

/**
 * Returns the shared data folder: `$SLIMGATE_SHARED_DIR`, else `../shared` from the current
 * directory.
 */
export function sharedDirectory(): string {
  return process.env.SLIMGATE_SHARED_DIR ?? join(process.cwd(), '..', 'shared');
}

/**
 * Loads GloVe vectors (lines of a word then its floats, space-separated) and unigram counts
 * (lines of word, tab, count). Probabilities are count / total over every counted word, but
 * only words that have a vector are kept, which bounds the table by the vector vocabulary.
 */
export async function loadGloveSifTables(directory = sharedDirectory()): Promise<GloveSifTables> {
  const vectorsText = await readFile(join(directory, SHARED_PATHS.gloveVectors), 'utf8');
  const countsText = await readFile(join(directory, SHARED_PATHS.wordCounts), 'utf8');

  const vectors = parseGloveVectors(vectorsText);
  const first = vectors.values().next().value;
  if (first === undefined) throw new Error(`no vectors found in ${SHARED_PATHS.gloveVectors}`);

  const counts = new Map<string, number>();
  let total = 0;
  let minimumCount = Infinity;
  for (const line of countsText.split('\n')) {
    const [word, countText] = line.split('\t');
    if (word === undefined || countText === undefined) continue;

    const count = Number(countText);
    if (!Number.isFinite(count) || count <= 0) {
      const quotedWord = JSON.stringify(word);
      throw new Error(`invalid count ${JSON.stringify(countText)} for word ${quotedWord}`);
    }
    total += count;
    minimumCount = Math.min(minimumCount, count);
    if (vectors.has(word)) counts.set(word, count);
  }

  const wordProbabilities = new Map<string, number>();
  for (const [word, count] of counts) wordProbabilities.set(word, count / total);

  return {
    vectors,
    dimension: first.length,
    wordProbabilities,
    // A word missing from the counts is rarer than every counted word.
    unseenWordProbability: minimumCount / total,
  };
}

function parseGloveVectors(text: string): Map<string, Float32Array> {
  const vectors = new Map<string, Float32Array>();
  let dimension: number | undefined;

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const fields = lines[index]!.trim().split(' ');
    if (fields.length < 2) continue;

    const word = fields[0]!;
    const vector = Float32Array.from(fields.slice(1), Number);
    dimension ??= vector.length;
    if (vector.length !== dimension || vector.some((value) => !Number.isFinite(value))) {
      throw new Error(`invalid GloVe vector for ${JSON.stringify(word)} on line ${index + 1}`);
    }
    vectors.set(word, vector);
  }
  return vectors;
}

export type StsbSplit = 'train' | 'dev';

export async function loadStsb(
  split: StsbSplit,
  directory = sharedDirectory(),
): Promise<StsbParseResult> {
  const path = split === 'train' ? SHARED_PATHS.stsbTrain : SHARED_PATHS.stsbDev;
  return parseStsb(await readFile(join(directory, path), 'utf8'));
}

/**
 * Builds the shipped combined scorer: GloVe tables from the shared folder, trigram IDF from the
 * STS Benchmark train sentences (the model's reference corpus) and the generated model data.
 */
export async function loadCombinedScorer(
  options: { directory?: string; threshold?: number; guard?: boolean } = {},
): Promise<CombinedScorer> {
  const directory = options.directory ?? sharedDirectory();
  const gloveTables = await loadGloveSifTables(directory);
  const train = await loadStsb('train', directory);
  const referenceCorpus = referenceSentences(train.pairs);
  return createCombinedScorer(gloveTables, referenceCorpus, COMBINED_MODEL, options);
}

/**
 * Loads the tables that the Worker bundles (see edge-data.ts): the GloVe tables and the trigram
 * IDF learned from the STS Benchmark train sentences, as {@link loadCombinedScorer} uses them.
 */
export async function loadEdgeData(directory = sharedDirectory()): Promise<EdgeData> {
  const gloveTables = await loadGloveSifTables(directory);
  const train = await loadStsb('train', directory);
  const trigramIdf = learnTrigramIdf(referenceSentences(train.pairs), COMBINED_MODEL.trigramDimension);
  return { gloveTables, trigramIdf };
}
