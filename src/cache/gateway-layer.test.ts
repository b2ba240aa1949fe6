/**
 * The result cache and coalescing inside the real gateway app, in front of the loopback backend
 * test double, which records every request it receives by request id.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockBackend, type MockBackend } from '../../test/e2e/mock-backend.js';
import { createGateway } from '../gateway/create-gateway.js';
import { silentLogger } from '../log/logger.js';
import { validateCreateChatCompletionResponse, validateCreateChatCompletionStreamResponse, validateCreateCompletionStreamResponse } from '../openai/generated/response-validators.js';
import { parseServerSentEventData } from './testing/event-data.js';
import { MemoryResponseStore } from './response-store.js';

let mock: MockBackend;
let app: ReturnType<typeof createGateway>;
let sequence = 0;

beforeAll(async () => {
  // The slow route keeps a non-streaming flight open long enough for every burst request to join.
  mock = await startMockBackend({ slowDelayMs: 300 });
  app = createGateway({
    backends: [
      { name: 'ok', baseURL: `${mock.origin}/ok/v1`, models: ['mock-model'] },
      { name: 'failing', baseURL: `${mock.origin}/failing/v1`, models: ['failing-model'] },
      { name: 'slow', baseURL: `${mock.origin}/slow/v1`, models: ['slow-model'] },
      // A backend that takes no stream_options, so its streams never carry usage.
      { name: 'no-usage', baseURL: `${mock.origin}/ok/v1`, models: ['no-usage-model'], parameterMap: { stream_options: null } },
    ],
    logger: silentLogger,
    resultCache: { store: new MemoryResponseStore({ maxBytes: 1 << 20 }), coalescing: { maxFlights: 100, maxBufferedBytes: 1 << 16 } },
  });
});

afterAll(async () => {
  await mock?.close();
});

/** Returns a prompt that no other test uses, so each test starts with an empty cache entry. */
function uniqueContent(label: string): string {
  sequence += 1;
  return `${label} ${sequence} ${Date.now()}`;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}, requestId = `cache-test-${++sequence}`) {
  return app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers }, body: JSON.stringify(body) });
}

async function backendCalls(requestIds: readonly string[]): Promise<number> {
  let count = 0;
  for (const requestId of requestIds) {
    const response = await fetch(`${mock.origin}/_recorded?requestId=${encodeURIComponent(requestId)}`);
    count += ((await response.json()) as unknown[]).length;
  }
  return count;
}

describe('result cache in the gateway', () => {
  it('serves a repeated request from the cache', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('repeat') }], max_tokens: 4, temperature: 0 };

    const first = await post('/v1/chat/completions', body, {}, 'repeat-1');
    const firstBody = await first.json();
    const second = await post('/v1/chat/completions', body, {}, 'repeat-2');
    const secondBody = await second.json();

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(second.headers.get('x-slimgate-billed-tokens')).toBe('0');
    expect(second.headers.get('x-request-id')).toBe('repeat-2');
    expect(secondBody).toEqual(firstBody);
    expect(validateCreateChatCompletionResponse(secondBody)).toBe(true);
    expect(await backendCalls(['repeat-1', 'repeat-2'])).toBe(1);
  });

  it('replays a cached answer as a stream', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('replay') }], max_tokens: 3, temperature: 0 };
    await (await post('/v1/chat/completions', body)).json();

    const response = await post('/v1/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } });
    const events = parseServerSentEventData(await response.text());

    expect(response.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
    for (const chunk of chunks) expect(validateCreateChatCompletionStreamResponse(chunk), JSON.stringify(chunk)).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('')).toBe('Once upon a');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 3 });
  });

  it('stores a streamed answer for JSON requests', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('tee') }], max_tokens: 2, seed: 11 };

    const streamed = await post('/v1/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } });
    const streamedText = await streamed.text();
    const response = await post('/v1/chat/completions', body);
    const completion = (await response.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: unknown };

    expect(streamed.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(parseServerSentEventData(streamedText).at(-1)).toBe('[DONE]');
    expect(response.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(validateCreateChatCompletionResponse(completion)).toBe(true);
    expect(completion.choices[0]?.message.content).toBe('Once upon');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({ completion_tokens: 2 });
  });

  it('replays completions chunks', async () => {
    const body = { model: 'mock-model', prompt: uniqueContent('legacy'), max_tokens: 2, temperature: 0, stream: true, stream_options: { include_usage: true } };
    await (await post('/v1/completions', body)).text();

    const response = await post('/v1/completions', body);
    const events = parseServerSentEventData(await response.text());

    expect(response.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { text: string }[] });
    for (const chunk of chunks) expect(validateCreateCompletionStreamResponse(chunk), JSON.stringify(chunk)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('')).toBe('Once upon');
  });

  it('stores a stream whose client did not ask for usage', async () => {
    const body = { model: 'mock-model', prompt: uniqueContent('no-usage'), max_tokens: 2, temperature: 0, stream: true };
    const streamed = await (await post('/v1/completions', body)).text();

    const second = await post('/v1/completions', { ...body, stream: false });
    const completion = (await second.json()) as { usage?: { completion_tokens: number } };

    expect(parseServerSentEventData(streamed).some((data) => data.includes('"usage":{'))).toBe(false);
    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('does not store a stream without usage', async () => {
    const body = { model: 'no-usage-model', prompt: uniqueContent('no-usage'), max_tokens: 2, temperature: 0, stream: true };
    await (await post('/v1/completions', body)).text();

    const second = await post('/v1/completions', { ...body, stream: false });
    await second.text();

    expect(second.headers.get('x-slimgate-cache-status')).toBe('miss');
  });

  it('does not store a cancelled stream', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('cancel') }], max_tokens: 8, temperature: 0, stream: true };

    const first = await post('/v1/chat/completions', body);
    const reader = first.body!.getReader();
    await reader.read();
    await reader.cancel();
    const second = await post('/v1/chat/completions', body);
    await second.text();

    expect(second.headers.get('x-slimgate-cache-status')).toBe('miss');
  });

  it('bypasses non-deterministic requests', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('random') }], max_tokens: 2 };

    const first = await post('/v1/chat/completions', body, {}, 'random-1');
    await first.text();
    const second = await post('/v1/chat/completions', body, {}, 'random-2');
    await second.text();

    expect(first.headers.get('x-slimgate-cache-status')).toBe('bypass');
    expect(second.headers.get('x-slimgate-cache-status')).toBe('bypass');
    expect(await backendCalls(['random-1', 'random-2'])).toBe(2);
  });

  it('caches non-deterministic requests with force', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('force') }], max_tokens: 2, temperature: 0.8 };

    await (await post('/v1/chat/completions', body, { 'x-slimgate-cache': 'force' })).text();
    const second = await post('/v1/chat/completions', body, { 'x-slimgate-cache': 'force' });
    await second.text();
    const withoutForce = await post('/v1/chat/completions', body);
    await withoutForce.text();

    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(withoutForce.headers.get('x-slimgate-cache-status')).toBe('bypass');
  });

  it.each([
    ['no-cache', 'bypass', 'miss'],
    ['no-store', 'bypass', 'miss'],
    ['refresh', 'bypass', 'hit'],
  ])('%s skips the lookup', async (mode, firstStatus, laterStatus) => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent(mode) }], max_tokens: 2, temperature: 0 };

    const first = await post('/v1/chat/completions', body, { 'x-slimgate-cache': mode });
    await first.text();
    const later = await post('/v1/chat/completions', body);
    await later.text();

    expect(first.headers.get('x-slimgate-cache-status')).toBe(firstStatus);
    expect(later.headers.get('x-slimgate-cache-status')).toBe(laterStatus);
  });

  it.each([
    ['x-slimgate-cache', 'sometimes'],
    ['x-slimgate-cache-ttl', '0'],
    ['x-slimgate-cache-ttl', '1.5'],
    ['x-slimgate-cache-ttl', '999999999'],
  ])('rejects %s: %s', async (header, value) => {
    const response = await post('/v1/chat/completions', { model: 'mock-model', messages: [{ role: 'user', content: 'x' }], temperature: 0 }, { [header]: value });
    const body = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_cache_header');
    expect(body.error.message).toContain(header);
  });

  it('does not store backend errors', async () => {
    const body = { model: 'failing-model', messages: [{ role: 'user', content: uniqueContent('error') }], temperature: 0 };

    const first = await post('/v1/chat/completions', body, {}, 'error-1');
    const second = await post('/v1/chat/completions', body, {}, 'error-2');

    expect(first.status).toBe(502);
    expect(second.status).toBe(502);
    expect(await backendCalls(['error-1', 'error-2'])).toBeGreaterThanOrEqual(2);
  });
});

describe('coalescing in the gateway', () => {
  it.each([
    ['streaming', true],
    ['non-streaming', false],
  ])('sends concurrent %s requests once', async (_name, stream) => {
    // A streamed reply stays in flight for its chunks; a JSON reply needs the slow route to.
    const model = stream ? 'mock-model' : 'slow-model';
    const body = { model, messages: [{ role: 'user', content: uniqueContent('burst') }], max_tokens: 5, temperature: 0, stream };
    const requestIds = Array.from({ length: 6 }, (_, index) => `burst-${stream}-${sequence}-${index}`);

    // no-cache keeps the result cache out, so every request reaches the coalescing layer.
    const responses = await Promise.all(requestIds.map((id) => post('/v1/chat/completions', body, { 'x-slimgate-cache': 'no-cache' }, id)));
    const texts = await Promise.all(responses.map((response) => response.text()));

    expect(await backendCalls(requestIds)).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(responses.filter((response) => response.headers.get('x-slimgate-coalesced') === 'joined')).toHaveLength(5);
    expect(responses.map((response) => response.status)).toEqual(requestIds.map(() => 200));
  });

  it('sends non-deterministic requests separately', async () => {
    const body = { model: 'mock-model', messages: [{ role: 'user', content: uniqueContent('spread') }], max_tokens: 3, stream: true };
    const requestIds = Array.from({ length: 3 }, (_, index) => `spread-${sequence}-${index}`);

    const responses = await Promise.all(requestIds.map((id) => post('/v1/chat/completions', body, {}, id)));
    await Promise.all(responses.map((response) => response.text()));

    expect(await backendCalls(requestIds)).toBe(3);
  });

  it('shares a backend error with joiners', async () => {
    const body = { model: 'failing-model', messages: [{ role: 'user', content: uniqueContent('shared-error') }], temperature: 0 };

    const responses = await Promise.all([1, 2, 3].map(() => post('/v1/chat/completions', body)));
    const errors = await Promise.all(responses.map((response) => response.json()));

    // 502 from the failing backend, or 503 once routing's circuit breaker has opened for it.
    expect(responses[0]!.status).toBeGreaterThanOrEqual(502);
    expect(responses.map((response) => response.status)).toEqual([1, 2, 3].map(() => responses[0]!.status));
    expect(errors[1]).toEqual(errors[0]);
    expect(errors[2]).toEqual(errors[0]);
  });
});
