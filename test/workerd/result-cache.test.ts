/**
 * The result cache and in-flight coalescing of the gateway Worker inside workerd, in front of
 * the loopback backend test double, which records each request it receives by request id.
 */

import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

import { CacheApiResponseStore } from '../../src/cache/response-store.js';
import { parseServerSentEventData } from '../../src/cache/testing/event-data.js';
import { expectMatchesSchema } from '../e2e/spec-assertions.js';

const GATEWAY = 'http://gateway.test';
let sequence = 0;

function uniqueContent(label: string): string {
  sequence += 1;
  return `${label} ${sequence} ${Date.now()}`;
}

function post(path: string, body: unknown, requestId: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${GATEWAY}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify(body),
  });
}

async function backendCalls(requestIds: readonly string[]): Promise<number> {
  let count = 0;
  for (const requestId of requestIds) {
    const response = await fetch(`${inject('mockBackendOrigin')}/_recorded?requestId=${encodeURIComponent(requestId)}`);
    count += ((await response.json()) as unknown[]).length;
  }
  return count;
}

describe('result cache in workerd', () => {
  it('serves a repeated request from the cache', async () => {
    const body = { model: 'mock-ok', messages: [{ role: 'user', content: uniqueContent('repeat') }], max_tokens: 4, temperature: 0 };

    const first = await post('/v1/chat/completions', body, 'wd-repeat-1');
    const firstBody = await first.json();
    const second = await post('/v1/chat/completions', body, 'wd-repeat-2');
    const secondBody = await second.json();

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(second.headers.get('x-slimgate-billed-tokens')).toBe('0');
    expectMatchesSchema('CreateChatCompletionResponse', secondBody);
    expect(secondBody).toEqual(firstBody);
    expect(await backendCalls(['wd-repeat-1', 'wd-repeat-2'])).toBe(1);
  });

  it('tees a stream and replays it', async () => {
    const body = { model: 'mock-ok', messages: [{ role: 'user', content: uniqueContent('tee') }], max_tokens: 3, temperature: 0, stream: true, stream_options: { include_usage: true } };

    const first = await post('/v1/chat/completions', body, 'wd-tee-1');
    const firstEvents = parseServerSentEventData(await first.text());
    const second = await post('/v1/chat/completions', body, 'wd-tee-2');
    const events = parseServerSentEventData(await second.text());

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(firstEvents.at(-1)).toBe('[DONE]');
    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: { content?: string } }[]; usage?: unknown });
    for (const chunk of chunks) expectMatchesSchema('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('')).toBe('Once upon a');
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 3 });
    expect(await backendCalls(['wd-tee-1', 'wd-tee-2'])).toBe(1);
  });

  it('stores a stream whose client did not ask for usage', async () => {
    const body = { model: 'mock-ok', messages: [{ role: 'user', content: uniqueContent('no-usage') }], max_tokens: 3, temperature: 0, stream: true };

    const first = await post('/v1/chat/completions', body, 'wd-no-usage-1');
    const firstEvents = parseServerSentEventData(await first.text());
    const second = await post('/v1/chat/completions', body, 'wd-no-usage-2');
    const secondEvents = parseServerSentEventData(await second.text());

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(second.headers.get('x-slimgate-cache-status')).toBe('hit');
    for (const events of [firstEvents, secondEvents]) {
      const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: unknown[]; usage?: unknown });
      for (const chunk of chunks) expectMatchesSchema('CreateChatCompletionStreamResponse', chunk);
      expect(chunks.filter((chunk) => chunk.choices.length === 0)).toEqual([]);
      expect(events.at(-1)).toBe('[DONE]');
    }
    expect(await backendCalls(['wd-no-usage-1', 'wd-no-usage-2'])).toBe(1);
  });

  it('bypasses non-deterministic requests', async () => {
    const body = { model: 'mock-ok', prompt: uniqueContent('random'), max_tokens: 2 };

    const first = await post('/v1/completions', body, 'wd-random-1');
    await first.text();
    const second = await post('/v1/completions', body, 'wd-random-2');
    await second.text();

    expect(second.headers.get('x-slimgate-cache-status')).toBe('bypass');
    expect(await backendCalls(['wd-random-1', 'wd-random-2'])).toBe(2);
  });

  it('rejects an invalid TTL header', async () => {
    const response = await post('/v1/completions', { model: 'mock-ok', prompt: 'x', temperature: 0 }, 'wd-ttl', { 'x-slimgate-cache-ttl': 'soon' });
    const body = (await response.json()) as { error: { code: string } };

    expect(response.status).toBe(400);
    expectMatchesSchema('ErrorResponse', body);
    expect(body.error.code).toBe('invalid_cache_header');
  });
});

describe('coalescing in workerd', () => {
  // The test double streams one chunk every 60 ms, so a stream stays in flight while the other
  // requests arrive. Its JSON responses are immediate, too short for a reliable overlap.
  it('sends concurrent streaming requests once', async () => {
    const body = { model: 'mock-ok', messages: [{ role: 'user', content: uniqueContent('burst') }], max_tokens: 4, temperature: 0, stream: true };
    const requestIds = Array.from({ length: 5 }, (_, index) => `wd-burst-${sequence}-${index}`);

    const responses = await Promise.all(requestIds.map((id) => post('/v1/chat/completions', body, id, { 'x-slimgate-cache': 'no-cache' })));
    const texts = await Promise.all(responses.map((response) => response.text()));

    expect(responses.map((response) => response.status)).toEqual(requestIds.map(() => 200));
    expect(new Set(texts).size).toBe(1);
    expect(await backendCalls(requestIds)).toBe(1);
  });

  it('sends non-deterministic streams separately', async () => {
    const body = { model: 'mock-ok', messages: [{ role: 'user', content: uniqueContent('spread') }], max_tokens: 3, stream: true };
    const requestIds = Array.from({ length: 3 }, (_, index) => `wd-spread-${sequence}-${index}`);

    const responses = await Promise.all(requestIds.map((id) => post('/v1/chat/completions', body, id)));
    await Promise.all(responses.map((response) => response.text()));

    expect(await backendCalls(requestIds)).toBe(3);
  });
});

describe('Cache API tier in workerd', () => {
  it('stores, reads and deletes a response', async () => {
    const store = new CacheApiResponseStore(caches.default);
    const key = 'f'.repeat(63) + String(sequence % 10);
    const value = { endpoint: 'completions' as const, body: '{"object":"text_completion"}', storedAt: 1_700_000_000_000 };

    await store.set(key, value, 60);
    const stored = await store.get(key);
    await store.delete(key);
    const deleted = await store.get(key);

    expect(stored).toEqual(value);
    expect(deleted).toBeUndefined();
  });
});
