/**
 * Word-vector sentence embeddings from a GloVe folder (`vectors.txt` and `word-counts.tsv`): the
 * smooth-inverse-frequency weighted mean of the word vectors, computed by the semantic cache's
 * {@link GloveSifEmbedder} without principal-component removal, then L2-normalized.
 */

import path from 'node:path';

import { GloveSifEmbedder } from '../../src/cache/semantic/glove-sif-embedder.js';
import { loadGloveSifTables, SHARED_PATHS } from '../../src/cache/semantic/node-loaders.js';
import { tokenizeWords } from '../../src/cache/semantic/tokenize.js';
import { normalize, type EmbeddingModel } from './embedding-model.js';

export class GloveEmbeddingModel implements EmbeddingModel {
  readonly dimension: number;
  readonly truncatableDimensions: readonly number[] = [];
  readonly maxBatchSize = 256;

  private constructor(
    readonly id: string,
    private readonly embedder: GloveSifEmbedder,
  ) {
    this.dimension = embedder.dimension;
  }

  /** Loads `dir`, which must end in `embeddings/glove-twitter-25d`, the layout the shared loader reads. */
  static async load(id: string, dir: string): Promise<GloveEmbeddingModel> {
    // TODO: loadGloveSifTables takes the shared data root, not the GloVe folder, so other folder names are rejected.
    const root = path.resolve(dir, '..', '..');
    if (path.join(root, SHARED_PATHS.gloveVectors) !== path.join(path.resolve(dir), 'vectors.txt')) {
      throw new Error(`GloVe folder ${dir} must be named embeddings/glove-twitter-25d inside a data root`);
    }
    const tables = await loadGloveSifTables(root);
    return new GloveEmbeddingModel(id, new GloveSifEmbedder(tables, { principalComponent: null }));
  }

  countTokens(text: string): number {
    return tokenizeWords(text).length;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => normalize(this.embedder.embedOne(text)));
  }

  async close(): Promise<void> {}
}
