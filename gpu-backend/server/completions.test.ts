import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateCreateCompletionResponse } from '../../src/openai/generated/response-validators.js';
import { createBackendFixture, MODEL_ID, readReference, type BackendFixture } from './testing/backend-fixture.js';
import { readEvents } from './testing/sse.js';

// run.c's 256 steps print BOS plus 256 tokens. "Once upon a time" is BOS and 4 text tokens, so
// 252 completion tokens follow; the empty prompt is BOS alone, so 256 follow. run.c ends its
// output with one newline of its own.
const ONCE_UPON_A_TIME_COMPLETION_TOKENS = 252;
const EMPTY_PROMPT_COMPLETION_TOKENS = 256;

let backend: BackendFixture;

beforeAll(async () => {
  backend = await createBackendFixture();
});

afterAll(async () => {
  await backend.close();
});

/** Checks a value against OpenAI's CreateCompletionResponse schema and fails with Ajv's errors. */
function expectCompletionSchema(value: unknown): void {
  const valid = validateCreateCompletionResponse(value);
  expect(validateCreateCompletionResponse.errors ?? [], JSON.stringify(value)).toEqual([]);
  expect(valid).toBe(true);
}

/**
 * Stream chunks carry `finish_reason: null` before the last one, as OpenAI streams do. The shared
 * schema requires a string there, so null is swapped for a valid value before validation.
 */
function expectCompletionChunkSchema(chunk: Record<string, unknown>): void {
  const choices = chunk.choices as Record<string, unknown>[];
  expectCompletionSchema({ ...chunk, choices: choices.map((choice) => ({ ...choice, finish_reason: choice.finish_reason ?? 'stop' })) });
}

async function complete(body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await backend.post('/v1/completions', { model: MODEL_ID, ...body });
  expect(response.status).toBe(200);
  const json = (await response.json()) as Record<string, any>;
  expectCompletionSchema(json);
  return json;
}

async function streamCompletion(body: Record<string, unknown>): Promise<{ chunks: Record<string, any>[]; texts: string[]; done: boolean }> {
  const response = await backend.post('/v1/completions', { model: MODEL_ID, stream: true, ...body });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

  const { events, done } = await readEvents(response);
  const texts: string[] = [];
  for (const chunk of events as Record<string, any>[]) {
    expectCompletionChunkSchema(chunk);
    for (const choice of chunk.choices) texts[choice.index] = (texts[choice.index] ?? '') + choice.text;
  }
  return { chunks: events as Record<string, any>[], texts, done };
}

describe('POST /v1/completions', () => {
  it('reproduces run.c greedy output', async () => {
    const prompt = 'Once upon a time';
    const json = await complete({ prompt, max_tokens: ONCE_UPON_A_TIME_COMPLETION_TOKENS, temperature: 0 });

    expect(prompt + json.choices[0].text + '\n').toBe(await readReference('greedy-once-upon-a-time-256.txt'));
    expect(json.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'length' });
    expect(json.usage).toEqual({ prompt_tokens: 5, completion_tokens: 252, total_tokens: 257 });
    expect(json.id).toMatch(/^cmpl-[A-Za-z0-9_-]{24}$/);
    expect(json.object).toBe('text_completion');
    expect(json.model).toBe(MODEL_ID);
    expect(Math.abs(json.created - Date.now() / 1000)).toBeLessThan(60);
  });

  it('reproduces run.c greedy output when streaming', async () => {
    const prompt = 'Once upon a time';
    const { chunks, texts, done } = await streamCompletion({
      prompt,
      max_tokens: ONCE_UPON_A_TIME_COMPLETION_TOKENS,
      temperature: 0,
      stream_options: { include_usage: true },
    });

    expect(prompt + texts[0] + '\n').toBe(await readReference('greedy-once-upon-a-time-256.txt'));
    expect(done).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);

    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 5, completion_tokens: 252, total_tokens: 257 });

    const finishChunk = chunks.at(-2)!;
    expect(finishChunk.choices).toEqual([{ index: 0, text: '', logprobs: null, finish_reason: 'length' }]);
    expect(chunks.slice(0, -2).every((chunk) => chunk.choices[0].finish_reason === null && chunk.usage === undefined)).toBe(true);
  });

  it('reproduces run.c greedy output for an empty prompt', async () => {
    const reference = await readReference('greedy-empty-prompt-256.txt');
    const json = await complete({ prompt: '', max_tokens: EMPTY_PROMPT_COMPLETION_TOKENS, temperature: 0 });
    expect(json.choices[0].text + '\n').toBe(reference);
    expect(json.usage).toEqual({ prompt_tokens: 1, completion_tokens: 256, total_tokens: 257 });

    const { texts } = await streamCompletion({ prompt: '', max_tokens: EMPTY_PROMPT_COMPLETION_TOKENS, temperature: 0 });
    expect(texts[0] + '\n').toBe(reference);
  });

  it('defaults max_tokens to 16', async () => {
    const json = await complete({ prompt: 'Once upon a time', temperature: 0 });
    expect(json.usage.completion_tokens).toBe(16);
  });

  it('completes an array of prompts', async () => {
    const json = await complete({ prompt: ['Once upon a time', ''], max_tokens: 6, temperature: 0 });
    const reference = await readReference('greedy-once-upon-a-time-256.txt');
    expect(json.choices.map((choice: { index: number }) => choice.index)).toEqual([0, 1]);
    expect(reference.startsWith('Once upon a time' + json.choices[0].text)).toBe(true);
    expect(reference.startsWith(json.choices[1].text)).toBe(true);
    expect(json.usage).toEqual({ prompt_tokens: 6, completion_tokens: 12, total_tokens: 18 });
  });

  it('accepts token-id prompts as given', async () => {
    const fromText = await complete({ prompt: 'Once upon a time', max_tokens: 5, temperature: 0 });
    const fromTokens = await complete({ prompt: [[1, 403, 407, 261, 378]], max_tokens: 5, temperature: 0 });
    expect(fromTokens.choices[0].text).toBe(fromText.choices[0].text);
    expect(fromTokens.usage).toEqual(fromText.usage);
  });

  it('returns n choices with distinct seeded streams', async () => {
    const body = { prompt: 'Once upon a time', max_tokens: 20, temperature: 1, n: 3, seed: 42 };
    const json = await complete(body);
    const texts = json.choices.map((choice: { text: string }) => choice.text);
    expect(json.choices.map((choice: { index: number }) => choice.index)).toEqual([0, 1, 2]);
    expect(new Set(texts).size).toBe(3);
    expect(json.usage.prompt_tokens).toBe(5);
    expect(json.usage.completion_tokens).toBe(60);

    const streamed = await streamCompletion(body);
    expect(streamed.texts).toEqual(texts);
    expect(streamed.chunks.filter((chunk) => chunk.choices[0]?.finish_reason === 'length').map((chunk) => chunk.choices[0].index)).toEqual([0, 1, 2]);
  });

  it('reproduces sampled text for the same seed', async () => {
    const body = { prompt: 'Lily', max_tokens: 30, temperature: 0.9, top_p: 0.95, seed: 1234 };
    const first = await complete(body);
    const second = await complete(body);
    const other = await complete({ ...body, seed: 1235 });
    expect(second.choices[0].text).toBe(first.choices[0].text);
    expect(other.choices[0].text).not.toBe(first.choices[0].text);
  });

  it('ends at a stop string without including it', async () => {
    const json = await complete({ prompt: 'Once upon a time', max_tokens: 100, temperature: 0, stop: 'Lily' });
    expect(json.choices[0]).toMatchObject({ text: ', there was a little girl named ', finish_reason: 'stop' });
    expect(json.usage.completion_tokens).toBeLessThan(100);
  });

  it('ends at the earliest of several stop strings', async () => {
    const body = { prompt: 'Once upon a time', max_tokens: 100, temperature: 0, stop: ['Lily', 'girl', 'zebra'] };
    const json = await complete(body);
    expect(json.choices[0]).toMatchObject({ text: ', there was a little ', finish_reason: 'stop' });

    const { texts, chunks } = await streamCompletion(body);
    expect(texts[0]).toBe(', there was a little ');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('returns empty text for max_tokens 0', async () => {
    const json = await complete({ prompt: 'Once upon a time', max_tokens: 0 });
    expect(json.choices[0]).toMatchObject({ text: '', finish_reason: 'length' });
    expect(json.usage).toEqual({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 });
  });

  it('stops at the context length', async () => {
    const json = await complete({ prompt: [new Array(510).fill(1).map((_, i) => (i === 0 ? 1 : 403))], max_tokens: 50, temperature: 0 });
    expect(json.choices[0].finish_reason).toBe('length');
    expect(json.usage).toEqual({ prompt_tokens: 510, completion_tokens: 2, total_tokens: 512 });
  });
});
