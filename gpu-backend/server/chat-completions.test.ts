import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateCreateChatCompletionResponse, validateCreateChatCompletionStreamResponse } from '../../src/openai/generated/response-validators.js';
import type { StandaloneValidator } from '../../src/openai/standalone-validator.js';
import { renderChatPrompt } from './chat-template.js';
import { createBackendFixture, MODEL_ID, type BackendFixture } from './testing/backend-fixture.js';
import { readEvents } from './testing/sse.js';

let backend: BackendFixture;

beforeAll(async () => {
  backend = await createBackendFixture();
});

afterAll(async () => {
  await backend.close();
});

function expectSchema(validate: StandaloneValidator, value: unknown): void {
  const valid = validate(value);
  expect(validate.errors ?? [], JSON.stringify(value)).toEqual([]);
  expect(valid).toBe(true);
}

const messages = [
  { role: 'system', content: 'You tell short stories.' },
  { role: 'user', content: [{ type: 'text', text: 'Tell me about ' }, { type: 'text', text: 'a cat.' }] },
];

async function chat(body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await backend.post('/v1/chat/completions', { model: MODEL_ID, messages, ...body });
  expect(response.status).toBe(200);
  const json = (await response.json()) as Record<string, any>;
  expectSchema(validateCreateChatCompletionResponse, json);
  return json;
}

async function streamChat(body: Record<string, unknown>): Promise<{ chunks: Record<string, any>[]; contents: string[]; done: boolean }> {
  const response = await backend.post('/v1/chat/completions', { model: MODEL_ID, messages, stream: true, ...body });
  expect(response.status).toBe(200);
  const { events, done } = await readEvents(response);
  const contents: string[] = [];
  for (const chunk of events as Record<string, any>[]) {
    expectSchema(validateCreateChatCompletionStreamResponse, chunk);
    for (const choice of chunk.choices) contents[choice.index] = (contents[choice.index] ?? '') + (choice.delta.content ?? '');
  }
  return { chunks: events as Record<string, any>[], contents, done };
}

describe('renderChatPrompt', () => {
  it('renders one line per message and an open assistant turn', () => {
    expect(renderChatPrompt([...messages, { role: 'assistant', content: 'Once.' }, { role: 'developer', content: 'Be brief.' }])).toBe(
      'System: You tell short stories.\nUser: Tell me about a cat.\nAssistant: Once.\nSystem: Be brief.\nAssistant:',
    );
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers with an assistant message', async () => {
    const json = await chat({ max_completion_tokens: 40, temperature: 0 });
    const promptTokens = backend.engine.encodePrompt(renderChatPrompt(messages)).length;

    expect(json.id).toMatch(/^chatcmpl-/);
    expect(json.object).toBe('chat.completion');
    expect(json.choices).toHaveLength(1);
    expect(json.choices[0].message.role).toBe('assistant');
    expect(json.choices[0].message.content.length).toBeGreaterThan(0);
    expect(json.choices[0].message.content).toBe(json.choices[0].message.content.trimStart());
    expect(json.choices[0].logprobs).toBeNull();
    expect(json.usage.prompt_tokens).toBe(promptTokens);
    expect(json.usage.total_tokens).toBe(promptTokens + json.usage.completion_tokens);
  });

  it('streams the same content as the full response', async () => {
    const full = await chat({ max_tokens: 40, temperature: 0 });
    const { chunks, contents, done } = await streamChat({ max_tokens: 40, temperature: 0, stream_options: { include_usage: true } });

    expect(done).toBe(true);
    expect(contents[0]).toBe(full.choices[0].message.content);
    expect(chunks[0]!.choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    expect(chunks.at(-2)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: full.choices[0].finish_reason });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: full.usage });
  });

  it('streams n choices each with a role chunk and a finish', async () => {
    const { chunks, contents } = await streamChat({ max_tokens: 10, temperature: 1, n: 2, seed: 5 });
    const roleIndexes = chunks.filter((chunk) => chunk.choices[0]?.delta.role === 'assistant').map((chunk) => chunk.choices[0].index);
    const finishIndexes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason !== null).map((chunk) => chunk.choices[0].index);
    expect(roleIndexes).toEqual([0, 1]);
    expect(finishIndexes).toEqual([0, 1]);
    expect(contents).toHaveLength(2);

    const full = await chat({ max_tokens: 10, temperature: 1, n: 2, seed: 5 });
    expect(full.choices.map((choice: { message: { content: string } }) => choice.message.content)).toEqual(contents);
  });

  it('applies stop sequences to the reply', async () => {
    const full = await chat({ max_tokens: 40, temperature: 0 });
    const content: string = full.choices[0].message.content;
    const word = content.split(' ').find((candidate, index) => index > 0 && candidate.length > 2)!;

    const stopped = await chat({ max_tokens: 40, temperature: 0, stop: [word] });
    expect(stopped.choices[0].finish_reason).toBe('stop');
    expect(stopped.choices[0].message.content).toBe(content.slice(0, content.indexOf(word)));
  });

  it('rejects tool messages', async () => {
    const response = await backend.post('/v1/chat/completions', {
      model: MODEL_ID,
      messages: [{ role: 'tool', content: 'result', tool_call_id: 'call_1' }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'messages[0].role' } });
  });

  it('rejects image content parts', async () => {
    const response = await backend.post('/v1/chat/completions', {
      model: MODEL_ID,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'messages[0].content[0].type', code: 'unsupported_value' } });
  });

  it('rejects logprobs', async () => {
    const response = await backend.post('/v1/chat/completions', { model: MODEL_ID, messages, logprobs: true });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'logprobs', code: 'unsupported_parameter' } });
  });
});
