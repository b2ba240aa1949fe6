/**
 * Atomic file replacement: content goes to a temporary file in the target's folder, which is
 * flushed and then renamed over the target. rename(2) within one file system is atomic, so a
 * reader sees the old file or the new one, never a partial write.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

import { saveModel, type SaveModelOptions, type SavedModelInfo } from '../../onnx/model-io.js';
import type { OnnxModel } from '../../onnx/types.js';

export function temporarySibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function writeFileAtomic(target: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const temporary = temporarySibling(target);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  try {
    const fd = openSync(temporary, 'w');
    try {
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Saves an ONNX model to `target` through a temporary folder beside it. With external data the
 * data file is renamed into place first and the model file last, so the model file that
 * readers open always refers to complete data.
 */
export function saveModelAtomic(model: OnnxModel, target: string, options: SaveModelOptions = {}): SavedModelInfo {
  const staging = temporarySibling(target);
  mkdirSync(staging, { recursive: true });
  try {
    const stagedModel = path.join(staging, path.basename(target));
    const saved = saveModel(model, stagedModel, options);
    if (saved.externalDataPath) renameSync(saved.externalDataPath, path.join(path.dirname(target), path.basename(saved.externalDataPath)));
    renameSync(stagedModel, target);
    return {
      ...saved,
      modelPath: target,
      ...(saved.externalDataPath ? { externalDataPath: path.join(path.dirname(target), path.basename(saved.externalDataPath)) } : {}),
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
