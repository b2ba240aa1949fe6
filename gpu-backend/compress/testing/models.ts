/**
 * Test helpers: the shared llama2.c models imported into a temporary folder, and ONNX Runtime
 * decoder runners over them.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as ort from 'onnxruntime-node';

import { importLlama2c } from '../../model-import/import.js';
import { findRepoRoot } from '../../hub/default-model.js';
import { readModelFolder, type ModelFolder } from '../../runtime/model-folder.js';
import { DecoderRunner } from '../evaluate/decoder-runner.js';
import { decoderShapeOf } from '../evaluate/evaluate-variants.js';

export const SHARED_MODELS_DIR = path.join(process.env.SLIMGATE_SHARED_DIR || path.join(findRepoRoot(), '..', 'shared'), 'models');

export const SHARED_MODELS = {
  stories260K: { checkpoint: 'stories260K/stories260K.bin', tokenizer: 'stories260K/tok512.bin' },
  'babyllama-tok105': { checkpoint: 'babyllama-tok105/model.bin', tokenizer: 'babyllama-tok105/tok105.bin' },
} as const;

export type SharedModelName = keyof typeof SHARED_MODELS;

export interface TemporaryModels {
  parent: string;
  /** Imports a shared model into `<parent>/<name>` (once per name) and returns its folder. */
  folder(name: SharedModelName): Promise<ModelFolder>;
  remove(): Promise<void>;
}

export async function createTemporaryModels(): Promise<TemporaryModels> {
  const parent = await mkdtemp(path.join(tmpdir(), 'slimgate-compress-'));
  const imported = new Map<SharedModelName, Promise<ModelFolder>>();
  return {
    parent,
    folder(name) {
      let folder = imported.get(name);
      if (!folder) {
        const files = SHARED_MODELS[name];
        const outDir = path.join(parent, name);
        folder = importLlama2c({
          checkpointPath: path.join(SHARED_MODELS_DIR, files.checkpoint),
          tokenizerPath: path.join(SHARED_MODELS_DIR, files.tokenizer),
          outDir,
          modelId: name,
        }).then(() => readModelFolder(outDir));
        imported.set(name, folder);
      }
      return folder;
    },
    remove: () => rm(parent, { recursive: true, force: true }),
  };
}

/** Opens a single-threaded runner over `onnxPath` (default: the folder's `onnx/model.onnx`). */
export async function openRunner(folder: ModelFolder, onnxPath = folder.onnxPath): Promise<DecoderRunner> {
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  return new DecoderRunner(session, decoderShapeOf(folder.config));
}
