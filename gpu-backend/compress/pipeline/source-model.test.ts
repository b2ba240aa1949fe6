import { cp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../src/log/logger.js';
import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';
import { compressModel } from './compress-model.js';
import { CorruptModelError, readSourceModel, UnsupportedModelError } from './source-model.js';

let models: TemporaryModels;
let good: string;

beforeAll(async () => {
  models = await createTemporaryModels();
  good = (await models.folder('stories260K')).dir;
});

afterAll(async () => {
  await models.remove();
});

async function copyOfGood(name: string): Promise<string> {
  const dir = path.join(models.parent, name);
  await rm(dir, { recursive: true, force: true });
  await cp(good, dir, { recursive: true });
  return dir;
}

describe('readSourceModel', () => {
  it('accepts an imported Llama folder', async () => {
    const source = await readSourceModel(good);
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(source.folder.config.numHiddenLayers).toBe(5);
  });

  it('rejects a truncated model.onnx as corrupt', async () => {
    const dir = await copyOfGood('truncated');
    await truncate(path.join(dir, 'onnx', 'model.onnx'), 50_000);
    await expect(readSourceModel(dir)).rejects.toThrow(CorruptModelError);
    await expect(readSourceModel(dir)).rejects.toThrow(/re-import or re-download/);
  });

  it('rejects an empty model.onnx as corrupt', async () => {
    const dir = await copyOfGood('empty');
    await truncate(path.join(dir, 'onnx', 'model.onnx'), 0);
    await expect(readSourceModel(dir)).rejects.toThrow(CorruptModelError);
    await expect(readSourceModel(dir)).rejects.toThrow(/model\.onnx is not a readable ONNX model \(the file is empty\); re-import or re-download it$/);
  });

  it('rejects a non-Llama folder as unsupported', async () => {
    const dir = await copyOfGood('bert');
    const configPath = path.join(dir, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, model_type: 'bert' }));
    await expect(readSourceModel(dir)).rejects.toThrow(UnsupportedModelError);
    await expect(readSourceModel(dir)).rejects.toThrow(/model_type "bert" is not supported/);
  });

  it('rejects a folder without config.json', async () => {
    await expect(readSourceModel(models.parent)).rejects.toThrow(/config\.json not found/);
  });
});

describe('compressModel on a corrupt model', () => {
  it('fails before touching existing artifacts', async () => {
    const dir = await copyOfGood('corrupt-with-artifacts');
    const artifacts = {
      'onnx/model_q4.onnx': 'earlier variant',
      'onnx/manifest.json': '{"format":"slimgate-compression-manifest"}',
      'deployment.json': '{"active":"onnx/model_q4.onnx"}',
    };
    for (const [file, content] of Object.entries(artifacts)) await writeFile(path.join(dir, file), content);
    await truncate(path.join(dir, 'onnx', 'model.onnx'), 50_000);

    await expect(
      compressModel({ modelDir: dir, recipe: 'q4', objective: 'size', constraints: {}, executionProvider: 'cpu', logger: silentLogger, storyCount: 1, latency: null }),
    ).rejects.toThrow(CorruptModelError);
    for (const [file, content] of Object.entries(artifacts)) expect(await readFile(path.join(dir, file), 'utf8')).toBe(content);
  });
});
