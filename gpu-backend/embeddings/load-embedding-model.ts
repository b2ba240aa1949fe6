/**
 * Loads an embedding model folder, choosing the kind by its files: `onnx/model.onnx` for an ONNX
 * sentence encoder, `vectors.txt` for a GloVe table.
 */

import { access } from 'node:fs/promises';
import path from 'node:path';

import type { SessionConfig } from '../runtime/execution-provider.js';
import type { EmbeddingModel } from './embedding-model.js';
import { GloveEmbeddingModel } from './glove-embedding-model.js';
import { OnnxEmbeddingModel } from './onnx-embedding-model.js';

export async function loadEmbeddingModel(id: string, dir: string, session: SessionConfig): Promise<EmbeddingModel> {
  if (await exists(path.join(dir, 'onnx', 'model.onnx'))) return OnnxEmbeddingModel.load(id, dir, session);
  if (await exists(path.join(dir, 'vectors.txt'))) return GloveEmbeddingModel.load(id, dir);
  throw new Error(`embedding model folder ${dir} has neither onnx/model.onnx nor vectors.txt`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
