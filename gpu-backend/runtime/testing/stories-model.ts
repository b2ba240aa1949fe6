/**
 * Imports the real stories260K llama2.c model (from `../shared` beside the repository) into a
 * temporary folder, for tests that run the ONNX model end to end.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { importLlama2c } from '../../model-import/import.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Folder of the stories260K checkpoint, tokenizer and run.c reference outputs. */
export const STORIES_DIR = path.resolve(REPO_ROOT, '../shared/models/stories260K');

export interface ImportedModel {
  dir: string;
  remove(): Promise<void>;
}

export async function importStoriesModel(): Promise<ImportedModel> {
  const parent = await mkdtemp(path.join(tmpdir(), 'slimgate-stories-'));
  const dir = path.join(parent, 'stories260K');
  await importLlama2c({
    checkpointPath: path.join(STORIES_DIR, 'stories260K.bin'),
    tokenizerPath: path.join(STORIES_DIR, 'tok512.bin'),
    outDir: dir,
    modelId: 'stories260K',
  });
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}
