import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readModel, writeModel } from '../onnx/model-io.js';
import type { OnnxModel } from '../onnx/types.js';
import { addNewKeyValueOutputs } from './append-outputs.js';
import { CAPACITY_STEP } from './batch-cache.js';
import { loadBatchDecoder, type BatchDecoder } from './batch-decoder.js';
import { DecoderSession } from './decoder-session.js';
import { createInferenceSession } from './execution-provider.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { importStoriesModel, type ImportedModel } from './testing/stories-model.js';

const SESSION = { executionProvider: 'cpu', intraOpNumThreads: 1 } as const;

let model: ImportedModel;
let folder: ModelFolder;
let reference: DecoderSession;

beforeAll(async () => {
  model = await importStoriesModel();
  folder = await readModelFolder(model.dir);
  reference = new DecoderSession(await createInferenceSession(folder.onnxPath, SESSION), folder.config);
});

/** Reads the imported model without its `new_key_values.*` graph outputs, as other exporters write it. */
async function readWithoutNewKeyValueOutputs(): Promise<OnnxModel> {
  const model = readModel(await readFile(folder.onnxPath));
  model.graph!.output = model.graph!.output!.filter((output) => !output.name!.startsWith('new_key_values.'));
  return model;
}

afterAll(async () => {
  await reference.release();
  await model.remove();
});

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** Greedy continuation of `prompt` by the Optimum-layout path, with the logits of every step. */
async function referenceRun(prompt: number[], steps: number): Promise<{ tokens: number[]; logits: Float32Array[] }> {
  let { logits, cache } = await reference.prefill(prompt);
  const tokens: number[] = [];
  const all: Float32Array[] = [];
  for (let step = 0; step < steps; step++) {
    all.push(logits.slice());
    const token = argmax(logits);
    tokens.push(token);
    ({ logits, cache } = await reference.decode(cache, token));
  }
  return { tokens, logits: all };
}

/** Greedy continuation of several prompts decoded as one batch through the runtime's cache buffers. */
async function batchRun(decoder: BatchDecoder, prompts: number[][], steps: number): Promise<{ tokens: number[][]; logits: Float32Array[][] }> {
  let { logits, cache } = await decoder.prefill(prompts);
  const tokens = prompts.map((): number[] => []);
  const all = prompts.map((): Float32Array[] => []);
  for (let step = 0; step < steps; step++) {
    const next = logits.map((row, index) => {
      all[index]!.push(row.slice());
      const token = argmax(row);
      tokens[index]!.push(token);
      return token;
    });
    ({ logits, cache } = await decoder.decode(cache, next));
  }
  return { tokens, logits: all };
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(1e-4);
}

describe('BatchDecoder', () => {
  it('matches Optimum decoding across capacity growth', async () => {
    const decoder = await loadBatchDecoder(folder.onnxPath, folder.config, SESSION);
    try {
      // Prompts of different lengths, decoded past two capacity steps.
      const prompts = [[1, 403, 407, 261, 378], [1, 320], [1, 403, 407, 261, 378, 290, 394, 263, 306, 262, 400, 308]];
      const steps = 2 * CAPACITY_STEP + 5;
      const batched = await batchRun(decoder, prompts, steps);

      for (const [row, prompt] of prompts.entries()) {
        const alone = await referenceRun(prompt, steps);
        expect(batched.tokens[row]).toEqual(alone.tokens);
        for (const step of [0, 1, CAPACITY_STEP - prompt.length, steps - 1]) expectClose(batched.logits[row]![step]!, alone.logits[step]!);
      }
    } finally {
      await decoder.release();
    }
  });

  it('extends in chunks like one prefill', async () => {
    const decoder = await loadBatchDecoder(folder.onnxPath, folder.config, SESSION);
    try {
      const prompt = Array.from({ length: 45 }, (_, i) => 260 + ((i * 7) % 200));
      prompt[0] = 1;
      let { logits, cache } = await decoder.prefill([prompt.slice(0, 20)]);
      ({ logits, cache } = await decoder.extend(cache, prompt.slice(20, 40)));
      ({ logits, cache } = await decoder.extend(cache, prompt.slice(40)));

      const whole = await reference.prefill(prompt);
      expect(cache.lengths).toEqual([45]);
      expectClose(logits[0]!, whole.logits);
    } finally {
      await decoder.release();
    }
  });

  it('adds missing new_key_values outputs', async () => {
    // As other exporters write it: the new keys and values are internal values with other names.
    const stripped = await readWithoutNewKeyValueOutputs();
    const graph = stripped.graph!;
    const rename = (name: string): string => name.replace('new_key_values.', 'internal/new.');
    for (const node of graph.node!) {
      node.input = node.input!.map(rename);
      node.output = node.output!.map(rename);
    }
    const strippedPath = path.join(model.dir, 'onnx', 'optimum-only.onnx');
    await writeFile(strippedPath, writeModel(stripped));

    const decoder = await loadBatchDecoder(strippedPath, folder.config, SESSION);
    try {
      const { tokens } = await batchRun(decoder, [[1, 403, 407]], 10);
      expect(tokens[0]).toEqual((await referenceRun([1, 403, 407], 10)).tokens);
    } finally {
      await decoder.release();
    }
  });

  it('rejects presents not built by Concat', async () => {
    const changed = await readWithoutNewKeyValueOutputs();
    const concat = changed.graph!.node!.find((node) => node.output?.[0] === 'present.0.key')!;
    concat.input = [concat.input![1]!, concat.input![0]!];

    expect(() => addNewKeyValueOutputs(writeModel(changed), folder.config.numHiddenLayers)).toThrow(
      'cannot find the new keys and values of present.0.key: it is not Concat(past_key_values.0.key, new, axis=2)',
    );
  });
});
