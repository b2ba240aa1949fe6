import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/log/logger.js';
import { EngineOverloadedError, type ChoiceRequest, type GenerationEvent } from './generation.js';
import { loadSerialEngine } from './load-engine.js';
import type { SerialEngine } from './serial-engine.js';
import { importStoriesModel, type ImportedModel } from './testing/stories-model.js';

let model: ImportedModel;
let engine: SerialEngine;

beforeAll(async () => {
  model = await importStoriesModel();
  ({ engine } = await loadSerialEngine({ modelDir: model.dir, executionProvider: 'cpu', intraOpNumThreads: 1, maxQueue: 1, logger: silentLogger }));
});

afterAll(async () => {
  await engine.close();
  await model.remove();
});

function choice(overrides: Partial<ChoiceRequest> = {}): ChoiceRequest {
  return { promptTokenIds: engine.encodePrompt('Once upon a time'), maxTokens: 24, temperature: 1, topP: 1, seed: 7, stop: [], ...overrides };
}

async function collectTexts(choices: ChoiceRequest[], signal = new AbortController().signal): Promise<{ texts: string[]; finishes: GenerationEvent[] }> {
  const texts = choices.map(() => '');
  const finishes: GenerationEvent[] = [];
  for await (const event of engine.generate({ choices }, signal)) {
    if (event.type === 'delta') texts[event.index] += event.text;
    else if (event.type === 'finish') finishes.push(event);
  }
  return { texts, finishes };
}

describe('SerialEngine', () => {
  it('reproduces sampled text for the same seed', async () => {
    const first = await collectTexts([choice(), choice()]);
    const second = await collectTexts([choice(), choice()]);
    expect(second.texts).toEqual(first.texts);
    // Each choice draws from its own stream of the seed, so two choices of one request differ.
    expect(first.texts[0]).not.toBe(first.texts[1]);
  });

  it('changes sampled text with the seed', async () => {
    const seven = await collectTexts([choice({ seed: 7 })]);
    const eight = await collectTexts([choice({ seed: 8 })]);
    expect(eight.texts[0]).not.toBe(seven.texts[0]);
  });

  it('reports one finish per choice with token counts', async () => {
    const { finishes } = await collectTexts([choice({ maxTokens: 3 }), choice({ maxTokens: 0 })]);
    expect(finishes).toEqual([
      { type: 'finish', index: 0, finishReason: 'length', promptTokens: 5, completionTokens: 3 },
      { type: 'finish', index: 1, finishReason: 'length', promptTokens: 5, completionTokens: 0 },
    ]);
  });

  it('stops on a stop string', async () => {
    const { texts, finishes } = await collectTexts([choice({ temperature: 0, maxTokens: 100, stop: ['Lily'] })]);
    expect(texts[0]).toBe(', there was a little girl named ');
    expect(finishes[0]).toMatchObject({ finishReason: 'stop' });
  });

  it('aborts between steps and frees its slot', async () => {
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    const run = (async () => {
      for await (const event of engine.generate({ choices: [choice({ maxTokens: 400 })] }, controller.signal)) {
        events.push(event);
        if (events.length === 3) controller.abort(new Error('client went away'));
      }
    })();

    await expect(run).rejects.toThrow('client went away');
    expect(events[0]).toEqual({ type: 'started', queueSeconds: expect.any(Number), batchSize: 1 });
    expect(events.slice(1).every((event) => event.type === 'delta')).toBe(true);
    expect(engine.status()).toEqual({ waiting: 0, running: 0 });
  });

  it('rejects requests beyond the queue limit', async () => {
    const signal = new AbortController().signal;
    const running = engine.generate({ choices: [choice()] }, signal);
    const waiting = engine.generate({ choices: [choice()] }, signal);
    expect(() => engine.generate({ choices: [choice()] }, signal)).toThrow(EngineOverloadedError);

    // Ending an iteration that never started must still give the slot back.
    await running[Symbol.asyncIterator]().return!();
    await waiting[Symbol.asyncIterator]().return!();
    expect(engine.status()).toEqual({ waiting: 0, running: 0 });
  });
});
