import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { resolveActiveModel } from '../../runtime/model-deployment.js';
import { syntheticMeasurement } from '../search/testing-measurement.js';
import { DeploymentError, promote, readDeployment, rollback } from './deployment.js';
import { enforceQualityGate, QualityGateError } from './quality-gate.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slimgate-deploy-'));
  mkdirSync(path.join(dir, 'onnx'));
  for (const file of ['model.onnx', 'model_q4.onnx', 'model_quantized.onnx']) writeFileSync(path.join(dir, 'onnx', file), file);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('promote', () => {
  it('records the default model as previous on the first promotion', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    promote(dir, 'onnx/model_q4.onnx', 'q4', now);

    const written = JSON.parse(readFileSync(path.join(dir, 'deployment.json'), 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ active: 'onnx/model_q4.onnx', previous: 'onnx/model.onnx', recipe: 'q4', promotedAt: now.toISOString() });
  });

  it('leaves no temporary files behind', () => {
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    expect(readdirSync(dir).sort()).toEqual(['deployment.json', 'onnx']);
  });

  it('is what the backend resolves as the active model', async () => {
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    expect((await resolveActiveModel(dir)).onnxPath).toBe(path.join(dir, 'onnx', 'model_q4.onnx'));
  });

  it('keeps previous when promoting the active file', () => {
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    expect(readDeployment(dir)?.previous).toBe('onnx/model.onnx');
  });

  it('rejects a missing file and keeps the old deployment', () => {
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    expect(() => promote(dir, 'onnx/model_fp16.onnx', 'fp16')).toThrow(/not found/);
    expect(readDeployment(dir)?.active).toBe('onnx/model_q4.onnx');
  });

  it('rejects a path outside the model folder', () => {
    expect(() => promote(dir, '../elsewhere.onnx', 'x')).toThrow(/outside the model folder/);
  });
});

describe('rollback', () => {
  it('restores the previous variant and its recipe', () => {
    promote(dir, 'onnx/model_quantized.onnx', 'int8');
    promote(dir, 'onnx/model_q4.onnx', 'q4');

    const restored = rollback(dir);
    expect(restored).toMatchObject({ active: 'onnx/model_quantized.onnx', previous: 'onnx/model_q4.onnx', recipe: 'int8', previousRecipe: 'q4' });
    expect(readDeployment(dir)?.active).toBe('onnx/model_quantized.onnx');
  });

  it('after one promotion returns to the base model', () => {
    promote(dir, 'onnx/model_q4.onnx', 'q4');
    expect(rollback(dir)).toMatchObject({ active: 'onnx/model.onnx', recipe: 'base' });
  });

  it('fails when nothing was deployed', () => {
    expect(() => rollback(dir)).toThrow(/nothing has been deployed/);
  });
});

describe('invalid deployment.json', () => {
  // pino's error serializer appends the message of `cause`, so a wrapped parse error must not repeat it.
  const parseMessage = 'is not valid JSON: Unexpected end of JSON input';

  it('is logged once by readDeployment', () => {
    writeFileSync(path.join(dir, 'deployment.json'), '');
    let thrown: unknown;
    try {
      readDeployment(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeploymentError);
    expect(pino.stdSerializers.err(thrown as Error).message).toBe(`${path.join(dir, 'deployment.json')} ${parseMessage}`);
  });

  it('is logged once by resolveActiveModel', async () => {
    writeFileSync(path.join(dir, 'deployment.json'), '');
    const thrown: unknown = await resolveActiveModel(dir).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Error);
    expect(pino.stdSerializers.err(thrown as Error).message).toBe(`${path.join(dir, 'deployment.json')} ${parseMessage}`);
  });
});

describe('enforceQualityGate', () => {
  it('rejects a variant over the perplexity limit with the reason', () => {
    const variant = syntheticMeasurement({ name: 'q4', pplIncreasePercent: 3.1, p95DecodeMs: 5, fileBytes: 100 });
    expect(() => enforceQualityGate(variant, { maxPerplexityIncreasePercent: 2 })).toThrow(QualityGateError);
    expect(() => enforceQualityGate(variant, { maxPerplexityIncreasePercent: 2 })).toThrow(/perplexity increase 3\.100% exceeds the maximum 2%/);
  });

  it('passes a variant within the limit', () => {
    const variant = syntheticMeasurement({ name: 'int8', pplIncreasePercent: 0.1, p95DecodeMs: 5, fileBytes: 100 });
    expect(() => enforceQualityGate(variant, { maxPerplexityIncreasePercent: 2 })).not.toThrow();
  });
});
