import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../src/log/logger.js';
import { sha256File } from '../../onnx/model-io.js';
import { loadEngine } from '../../runtime/load-engine.js';
import { resolveActiveModel } from '../../runtime/model-deployment.js';
import { createBackendApp } from '../../server/app.js';
import { MANIFEST_FILE, readManifest } from '../artifacts/manifest.js';
import { runDeploy, runRollback } from '../cli/commands.js';
import { EXIT_QUALITY_GATE, main } from '../cli/main.js';
import { readDeployment } from '../deploy/deployment.js';
import { captureOutput, parseCommand } from '../testing/cli.js';
import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';

let models: TemporaryModels;
let modelDir: string;
const { io } = captureOutput();

beforeAll(async () => {
  models = await createTemporaryModels();
  modelDir = (await models.folder('stories260K')).dir;
});

afterAll(async () => {
  await models.remove();
});

describe('compress and deploy stories260K', () => {
  it('quality gate rejects a variant over the limit and promotes nothing', async () => {
    const code = await main(['deploy', modelDir, '--recipe', 'q4', '--max-ppl-increase', '0.01%', '--stories', '2', '--no-latency', '--threads', '1']);

    expect(code).toBe(EXIT_QUALITY_GATE);
    expect(existsSync(path.join(modelDir, 'deployment.json'))).toBe(false);
    expect(existsSync(path.join(modelDir, 'onnx', 'model_q4.onnx'))).toBe(false);
  }, 120_000);

  it('deploys int8, serves a completion from it and rolls back', async () => {
    const args = parseCommand(['deploy', modelDir, '--recipe', 'int8', '--max-ppl-increase', '5%', '--stories', '3', '--no-latency', '--threads', '1']);
    const deployment = await runDeploy(args, io);

    expect(deployment).toMatchObject({ active: 'onnx/model_quantized.onnx', previous: 'onnx/model.onnx', recipe: 'int8' });
    const manifest = readManifest(modelDir)!;
    expect(manifest.source.sha256).toBe(sha256File(path.join(modelDir, 'onnx', 'model.onnx')));
    expect(manifest.evaluation.chosen).toBe('onnx/model_quantized.onnx');
    const entry = manifest.variants.find((variant) => variant.file === 'onnx/model_quantized.onnx')!;
    expect(entry.sha256).toBe(sha256File(path.join(modelDir, entry.file)));
    expect(entry.measurements.quality?.stories).toBe(3);
    // int8 MatMul weights, with the lm_head (1/8 of the MatMul weights here) left in float32.
    expect(entry.measurements.matmul.bitsPerWeight).toBeGreaterThan(8);
    expect(entry.measurements.matmul.bitsPerWeight).toBeLessThan(12);
    expect(manifest.hardware.onnxruntimeVersion).toBe('1.30.0');
    expect(JSON.parse(readFileSync(path.join(modelDir, MANIFEST_FILE), 'utf8'))).toEqual(manifest);

    expect((await resolveActiveModel(modelDir)).onnxPath).toBe(path.join(modelDir, 'onnx', 'model_quantized.onnx'));
    const { engine } = await loadEngine({ modelDir, executionProvider: 'cpu', intraOpNumThreads: 1, maxQueue: 2, logger: silentLogger });
    try {
      const app = createBackendApp({ engine, modelId: 'stories260K', logger: silentLogger, requestTimeoutMs: 60_000 });
      const response = await app.request('/v1/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 16, temperature: 0 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
      expect(body.choices[0]!.text.length).toBeGreaterThan(0);
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }

    const restored = runRollback(parseCommand(['rollback', modelDir]), io);
    expect(restored.active).toBe('onnx/model.onnx');
    expect(readDeployment(modelDir)?.previous).toBe('onnx/model_quantized.onnx');
  }, 180_000);
});
