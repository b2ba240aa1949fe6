import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DecoderSession } from './decoder-session.js';
import { createInferenceSession, ExecutionProviderUnavailableError } from './execution-provider.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { importStoriesModel, type ImportedModel } from './testing/stories-model.js';

let model: ImportedModel;
let folder: ModelFolder;
let decoder: DecoderSession;

beforeAll(async () => {
  model = await importStoriesModel();
  folder = await readModelFolder(model.dir);
  decoder = new DecoderSession(await createInferenceSession(folder.onnxPath, { executionProvider: 'cpu', intraOpNumThreads: 1 }), folder.config);
});

afterAll(async () => {
  await decoder.release();
  await model.remove();
});

describe('readModelFolder', () => {
  it('reads the LlamaConfig fields and provenance', () => {
    expect(folder.config).toEqual({
      hiddenSize: 64,
      numHiddenLayers: 5,
      numAttentionHeads: 8,
      numKeyValueHeads: 4,
      headDim: 8,
      vocabSize: 512,
      contextLength: 512,
      bosTokenId: 1,
      eosTokenId: 2,
    });
    expect(folder.modelId).toBe('stories260K');
    expect(folder.createdAt).toBeGreaterThan(1_600_000_000);
  });
});

describe('DecoderSession', () => {
  const prompt = [1, 403, 407, 261, 378];

  it('decodes with the cache as a full prefill does', async () => {
    const full = await decoder.prefill(prompt);
    const partial = await decoder.prefill(prompt.slice(0, -1));
    const stepped = await decoder.decode(partial.cache, prompt.at(-1)!);

    expect(stepped.cache.length).toBe(prompt.length);
    expect(stepped.cache.tensors[0]!.dims).toEqual([1, 4, prompt.length, 8]);
    for (let i = 0; i < full.logits.length; i++) expect(stepped.logits[i]).toBeCloseTo(full.logits[i]!, 4);
  });

  it('lets two continuations share one prefill', async () => {
    const prefill = await decoder.prefill(prompt);
    const first = await decoder.decode(prefill.cache, 10);
    const second = await decoder.decode(prefill.cache, 20);
    const firstAgain = await decoder.decode(prefill.cache, 10);

    expect(Array.from(firstAgain.logits)).toEqual(Array.from(first.logits));
    expect(Array.from(second.logits)).not.toEqual(Array.from(first.logits));
  });

  it('rejects sequences past the context length', async () => {
    await expect(decoder.prefill(new Array(513).fill(1))).rejects.toThrow(/exceeds the model's context length 512/);
  });

  it('rejects overlapping forward passes', async () => {
    const running = decoder.prefill(prompt);
    await expect(decoder.prefill(prompt)).rejects.toThrow(/another forward pass is running/);
    await running;
  });
});

describe('createInferenceSession', () => {
  it('explains a missing CUDA provider', async () => {
    // This check runs only where onnxruntime-node has no CUDA binaries, the usual CPU setup.
    const result = await createInferenceSession(folder.onnxPath, { executionProvider: 'cuda' }).then(
      async (session) => {
        await session.release();
        return 'loaded';
      },
      (error: unknown) => error,
    );
    if (result === 'loaded') return;
    expect(result).toBeInstanceOf(ExecutionProviderUnavailableError);
    expect(String(result)).toMatch(/EXECUTION_PROVIDER=cpu/);
  });

  it('rejects a thread count below one', async () => {
    await expect(createInferenceSession(folder.onnxPath, { executionProvider: 'cpu', intraOpNumThreads: 0 })).rejects.toThrow(RangeError);
  });
});
