import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/log/logger.js';
import { loadBatchDecoder } from './batch-decoder.js';
import { BatchEngine } from './batch-engine.js';
import type { ChoiceRequest, GenerationEvent, StartedEvent } from './generation.js';
import { loadEngine } from './load-engine.js';
import { BackendMetrics } from './metrics/backend-metrics.js';
import { readModelFolder } from './model-folder.js';
import { importStoriesModel, type ImportedModel } from './testing/stories-model.js';
import { TextTokenizer } from './tokenizer.js';

let model: ImportedModel;
let engine: BatchEngine;
let metrics: BackendMetrics;

// A small batch and step budget, so that tests exercise queueing, joining and chunked prefill.
beforeAll(async () => {
  model = await importStoriesModel();
  metrics = new BackendMetrics();
  ({ engine } = await loadEngine({
    modelDir: model.dir,
    executionProvider: 'cpu',
    intraOpNumThreads: 1,
    maxQueue: 64,
    maxBatchSize: 6,
    maxTokensPerStep: 24,
    logger: silentLogger,
    metrics,
  }));
});

afterAll(async () => {
  await engine.close();
  await model.remove();
});

const PROMPTS = [
  'Once upon a time',
  'Lily and Tom went to the park',
  'The cat',
  'One day, a little boy named Tim found a big red ball in the garden. He wanted to play with it, but his mom said he had to clean his room first. Tim was sad, but he',
  'The sun was shining',
  'Sam had a dog',
  '',
  'Mom said',
  'There was a big tree in the forest and a small bird lived in it with her babies',
  'Ben liked to draw',
];

function greedy(text: string, maxTokens = 40): ChoiceRequest {
  return { promptTokenIds: engine.encodePrompt(text), maxTokens, temperature: 0, topP: 1, seed: 1, stop: [] };
}

async function collect(
  choices: ChoiceRequest[],
  signal = new AbortController().signal,
  target: BatchEngine = engine,
): Promise<{ texts: string[]; finishes: Extract<GenerationEvent, { type: 'finish' }>[]; started: StartedEvent[]; firstEvent: GenerationEvent | undefined }> {
  const texts = choices.map(() => '');
  const finishes: Extract<GenerationEvent, { type: 'finish' }>[] = [];
  const started: StartedEvent[] = [];
  let firstEvent: GenerationEvent | undefined;
  for await (const event of target.generate({ choices }, signal)) {
    firstEvent ??= event;
    if (event.type === 'started') started.push(event);
    else if (event.type === 'delta') texts[event.index] += event.text;
    else finishes.push(event);
  }
  return { texts, finishes, started, firstEvent };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('BatchEngine', () => {
  it('isolates concurrent greedy sequences', async () => {
    const alone: string[] = [];
    for (const prompt of PROMPTS) alone.push((await collect([greedy(prompt)])).texts[0]!);

    // Two rounds of every prompt at once: more requests than batch rows, so some wait and join later.
    const concurrent = await Promise.all([...PROMPTS, ...PROMPTS].map(async (prompt) => (await collect([greedy(prompt)])).texts[0]!));
    concurrent.forEach((text, i) => expect(text, `prompt ${i % PROMPTS.length}`).toBe(alone[i % PROMPTS.length]));
    expect(new Set(alone).size).toBeGreaterThan(5);
  });

  it('batches decode steps of concurrent requests', async () => {
    const before = metrics.decodeBatchSize.get();
    await Promise.all(PROMPTS.slice(0, 6).map((prompt) => collect([greedy(prompt, 30)])));
    const after = metrics.decodeBatchSize.get();
    const meanBatch = (after.sum - before.sum) / (after.count - before.count);
    expect(meanBatch).toBeGreaterThan(2);
  });

  it('reproduces seeded sampling in a batch', async () => {
    const sampled = (seed: number): ChoiceRequest => ({ ...greedy('Once upon a time'), temperature: 1, seed });
    const alone = (await collect([sampled(3), sampled(3)])).texts;
    const together = await Promise.all([collect([sampled(3), sampled(3)]), collect([sampled(4)]), collect([greedy('The cat')])]);
    expect(together[0].texts).toEqual(alone);
    expect(alone[0]).not.toBe(alone[1]);
  });

  it('prefills a long prompt in chunks', async () => {
    const long = PROMPTS[3]!;
    expect(engine.encodePrompt(long).length).toBeGreaterThan(24);
    const before = metrics.prefillTokens.get();
    await collect([greedy(long, 5)]);
    const after = metrics.prefillTokens.get();
    expect(after.count - before.count).toBeGreaterThan(1);
  });

  it('finishes choices with token counts', async () => {
    const { finishes } = await collect([greedy('Once upon a time', 3), greedy('Once upon a time', 0)]);
    const byIndex = [...finishes].sort((a, b) => a.index - b.index);
    expect(byIndex).toEqual([
      { type: 'finish', index: 0, finishReason: 'length', promptTokens: 5, completionTokens: 3 },
      { type: 'finish', index: 1, finishReason: 'length', promptTokens: 5, completionTokens: 0 },
    ]);
  });

  it('drops an aborted sequence before the next step', async () => {
    const controller = new AbortController();
    const aborted = (async () => {
      let events = 0;
      for await (const event of engine.generate({ choices: [greedy('Once upon a time', 400)] }, controller.signal)) {
        void event;
        if (++events === 3) controller.abort(new Error('client went away'));
      }
    })();
    const survivor = engine.generate({ choices: [greedy('The cat', 200)] }, new AbortController().signal)[Symbol.asyncIterator]();
    await expect(aborted).rejects.toThrow('client went away');

    // Two more tokens of the survivor means at least one step ran after the abort, and the row
    // left the batch before it.
    await survivor.next();
    await survivor.next();
    const before = metrics.decodeBatchSize.get();
    for (let i = 0; i < 20; i++) await survivor.next();
    const after = metrics.decodeBatchSize.get();
    expect(after.count - before.count).toBeGreaterThan(0);
    expect(after.sum - before.sum).toBe(after.count - before.count);

    await survivor.return!();
    await waitUntil(() => engine.activeSequences() === 0);
    expect(engine.status()).toEqual({ waiting: 0, running: 0 });
  });

  it('stops stepping when the consumer returns', async () => {
    const iterator = engine.generate({ choices: [greedy('Once upon a time', 400)] }, new AbortController().signal)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return!();
    await waitUntil(() => engine.activeSequences() === 0);

    const settled = metrics.decodeBatchSize.get().count;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(metrics.decodeBatchSize.get().count).toBe(settled);
    expect(metrics.requests.get({ outcome: 'cancelled' })).toBeGreaterThan(0);
  });
});

describe('BatchEngine started event', () => {
  it('comes first with queue time and batch size', async () => {
    const { started, firstEvent } = await collect([greedy('Once upon a time', 5)]);

    expect(firstEvent?.type).toBe('started');
    expect(started).toHaveLength(1);
    expect(started[0]!.queueSeconds).toBeGreaterThanOrEqual(0);
    expect(started[0]!.batchSize).toBe(1);
  });

  it('reports the first decode step of joining requests', async () => {
    const folder = await readModelFolder(model.dir);
    const tokenizer = await TextTokenizer.load(folder.dir, folder.config.vocabSize, { bosTokenId: folder.config.bosTokenId, eosTokenId: folder.config.eosTokenId });
    const decoder = await loadBatchDecoder(folder.onnxPath, folder.config, { executionProvider: 'cpu', intraOpNumThreads: 1 });
    const decodeRows: number[] = [];
    const decode = decoder.decode.bind(decoder);
    decoder.decode = (cache, tokenIds) => (decodeRows.push(tokenIds.length), decode(cache, tokenIds));

    const batched = new BatchEngine({ decoder, tokenizer, executionProvider: 'cpu', maxBatchSize: 4, maxQueue: 4, maxTokensPerStep: 16, logger: silentLogger });
    try {
      const running = collect([greedy('Once upon a time', 60)], undefined, batched);
      await waitUntil(() => decodeRows.length >= 3);
      // Both short prompts fit one prefill pass, so both join the running row in the next step.
      const [first, second] = await Promise.all([collect([greedy('The cat', 8)], undefined, batched), collect([greedy('Mom said', 8)], undefined, batched)]);
      const alone = await running;

      expect(alone.started[0]!.batchSize).toBe(1);
      expect(first.started[0]!.batchSize).toBe(3);
      expect(second.started[0]!.batchSize).toBe(3);
      expect(decodeRows).toContain(3);
    } finally {
      await batched.close();
    }
  });

  it('reports the prefill pass of a request that ends at its first token', async () => {
    const { started } = await collect([greedy('Once upon a time', 1), greedy('The cat', 1)]);

    expect(started).toEqual([{ type: 'started', queueSeconds: expect.any(Number), batchSize: 2 }]);
  });

  it('reports no batch size without a forward pass', async () => {
    const { started } = await collect([greedy('Once upon a time', 0)]);

    expect(started).toEqual([{ type: 'started', queueSeconds: expect.any(Number), batchSize: null }]);
  });
});

describe('BatchEngine chunked prefill', () => {
  it('runs one prompt chunk between decode steps', async () => {
    const folder = await readModelFolder(model.dir);
    const tokenizer = await TextTokenizer.load(folder.dir, folder.config.vocabSize, { bosTokenId: folder.config.bosTokenId, eosTokenId: folder.config.eosTokenId });
    const decoder = await loadBatchDecoder(folder.onnxPath, folder.config, { executionProvider: 'cpu', intraOpNumThreads: 1 });

    // Each forward pass as [kind, input tokens]: decode rows, or prompt tokens with padding.
    const passes: ['decode' | 'prefill', number][] = [];
    const prefill = decoder.prefill.bind(decoder);
    const extend = decoder.extend.bind(decoder);
    const decode = decoder.decode.bind(decoder);
    decoder.prefill = (prompts) => (passes.push(['prefill', prompts.length * Math.max(...prompts.map((prompt) => prompt.length))]), prefill(prompts));
    decoder.extend = (cache, tokenIds) => (passes.push(['prefill', tokenIds.length]), extend(cache, tokenIds));
    decoder.decode = (cache, tokenIds) => (passes.push(['decode', tokenIds.length]), decode(cache, tokenIds));

    const chunked = new BatchEngine({ decoder, tokenizer, executionProvider: 'cpu', maxBatchSize: 4, maxQueue: 4, maxTokensPerStep: 16, logger: silentLogger });
    try {
      const running = collect([greedy('Once upon a time', 60)], undefined, chunked);
      await waitUntil(() => passes.filter(([kind]) => kind === 'decode').length >= 3);
      const longPrompt = PROMPTS[3]!;
      await collect([greedy(longPrompt, 3)], undefined, chunked);
      await running;

      expect(chunked.encodePrompt(longPrompt).length).toBeGreaterThan(45);
      let prefillsSinceDecode = 0;
      for (const [kind, tokens] of passes) {
        if (kind === 'decode') {
          prefillsSinceDecode = 0;
          continue;
        }
        prefillsSinceDecode++;
        expect(prefillsSinceDecode).toBe(1);
        expect(tokens).toBeLessThanOrEqual(16);
      }
      expect(passes.filter(([kind]) => kind === 'prefill').length).toBeGreaterThanOrEqual(4);
    } finally {
      await chunked.close();
    }
  });
});
