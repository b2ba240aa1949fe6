import { cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';

import { EXIT_FAILURE, main, type CliOutput } from './main.js';

let models: TemporaryModels;
let dir: string;

beforeAll(async () => {
  models = await createTemporaryModels();
});

afterAll(async () => {
  await models.remove();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slimgate-cli-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with stdout and stderr captured, and returns them split into lines. */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  let stdout = '';
  let stderr = '';
  const output: CliOutput = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await main(argv, output);
  const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
  return { code, stdout: lines(stdout), stderr: lines(stderr) };
}

describe('main error output', () => {
  it('prints one line for rollback without deployment', async () => {
    const result = await runCli(['rollback', dir]);

    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([`slimgate rollback: ${path.join(dir, 'deployment.json')} not found: nothing has been deployed, so there is nothing to roll back`]);
  });

  it('prints one line for invalid deployment.json', async () => {
    writeFileSync(path.join(dir, 'deployment.json'), '');
    const result = await runCli(['rollback', dir]);

    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toEqual([`slimgate rollback: ${path.join(dir, 'deployment.json')} is not valid JSON: Unexpected end of JSON input`]);
  });

  it('prints one line for empty model.onnx', async () => {
    const modelDir = (await models.folder('stories260K')).dir;
    const copy = path.join(dir, 'empty-onnx');
    cpSync(modelDir, copy, { recursive: true });
    truncateSync(path.join(copy, 'onnx', 'model.onnx'), 0);
    const result = await runCli(['compress', copy, '--recipe', 'q4', '--no-latency']);

    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toEqual([
      `slimgate compress: ${path.join(copy, 'onnx', 'model.onnx')} is not a readable ONNX model (the file is empty); re-import or re-download it`,
    ]);
  }, 60_000);

  it('logs an expected error as JSON with --verbose', async () => {
    const result = await runCli(['rollback', dir, '--verbose']);

    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toHaveLength(2);
    const logged = JSON.parse(result.stderr[0]!) as { level: number; msg: string; err: { type: string; stack: string } };
    expect(logged.level).toBe(50);
    expect(logged.msg).toBe('command failed');
    expect(logged.err.type).toBe('DeploymentError');
    expect(logged.err.stack).toContain('rollback');
    expect(result.stderr[1]).toMatch(/^slimgate rollback: .* nothing to roll back$/);
  });

  it('logs an unexpected error as JSON with stack', async () => {
    // A folder named deployment.json fails to read with EISDIR, which no project error class covers.
    mkdirSync(path.join(dir, 'deployment.json'));
    const result = await runCli(['rollback', dir]);

    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toHaveLength(2);
    const logged = JSON.parse(result.stderr[0]!) as { level: number; err: { code: string; stack: string }; modelDir: string };
    expect(logged.level).toBe(50);
    expect(logged.err.code).toBe('EISDIR');
    expect(logged.err.stack).toContain('readFileSync');
    expect(logged.modelDir).toBe(dir);
    expect(result.stderr[1]).toMatch(/^slimgate rollback: EISDIR/);
  });
});
