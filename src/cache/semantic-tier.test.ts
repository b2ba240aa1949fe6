/**
 * The semantic tier in the gateway with the shipped combined scorer (GloVe and STS Benchmark
 * data from the shared folder), in front of the loopback backend test double.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockBackend, type MockBackend } from '../../test/e2e/mock-backend.js';
import { createGateway } from '../gateway/create-gateway.js';
import { silentLogger } from '../log/logger.js';
import { validateCreateChatCompletionResponse, validateCreateChatCompletionStreamResponse } from '../openai/generated/response-validators.js';
import { loadSemanticMatcher } from './node-semantic-matcher.js';
import { MemoryResponseStore } from './response-store.js';
import { MemorySemanticIndex } from './semantic-index.js';
import { parseServerSentEventData } from './testing/event-data.js';

let mock: MockBackend;
let app: ReturnType<typeof createGateway>;
let index: MemorySemanticIndex<unknown>;

beforeAll(async () => {
  mock = await startMockBackend();
  index = new MemorySemanticIndex(await loadSemanticMatcher(), { maxEntries: 3, maxBytes: 16 << 20 });
  app = createGateway({
    backends: [{ name: 'ok', baseURL: `${mock.origin}/ok/v1`, models: ['mock-model'] }],
    logger: silentLogger,
    resultCache: { store: new MemoryResponseStore({ maxBytes: 1 << 20 }), semantic: index },
  });
}, 30_000);

afterAll(async () => {
  await mock?.close();
});

function chat(content: string, extra: Record<string, unknown> = {}, system = 'You write short stories.') {
  const body = { model: 'mock-model', messages: [{ role: 'system', content: system }, { role: 'user', content }], max_tokens: 3, temperature: 0, ...extra };
  return app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function statusOf(response: Response | Promise<Response>): Promise<string | null> {
  const resolved = await response;
  await resolved.text();
  return resolved.headers.get('x-slimgate-cache-status');
}

describe('semantic tier', () => {
  it('answers a paraphrase', async () => {
    await statusOf(chat('How do I reset my password?'));

    const response = await chat('how do I reset my password');
    const body = await response.json();

    expect(response.headers.get('x-slimgate-cache-status')).toBe('semantic-hit');
    expect(Number(response.headers.get('x-slimgate-cache-similarity'))).toBeGreaterThan(0.9);
    expect(response.headers.get('x-slimgate-billed-tokens')).toBe('0');
    expect(validateCreateChatCompletionResponse(body)).toBe(true);
  });

  it('replays a paraphrase as a stream', async () => {
    await statusOf(chat('What is the capital of France?'));

    const response = await chat('what is the capital city of France?', { stream: true });
    const events = parseServerSentEventData(await response.text());

    expect(response.headers.get('x-slimgate-cache-status')).toBe('semantic-hit');
    expect(events.at(-1)).toBe('[DONE]');
    for (const data of events.slice(0, -1)) expect(validateCreateChatCompletionStreamResponse(JSON.parse(data))).toBe(true);
  });

  it('rejects flipped meaning', async () => {
    await statusOf(chat('Turn the heater on'));
    await statusOf(chat('Write a story about 3 dogs.'));

    expect(await statusOf(chat('Turn the heater off'))).toBe('miss');
    expect(await statusOf(chat('Write a story about 4 dogs.'))).toBe('miss');
  });

  it('searches only within the scope', async () => {
    await statusOf(chat('Describe a quiet harbour at dawn.'));

    expect(await statusOf(chat('describe a quiet harbour at dawn', { max_tokens: 2 }))).toBe('miss');
  });

  it('embeds the whole conversation', async () => {
    await statusOf(chat('Summarize the plot in one line.', {}, 'The story is about a lost robot on the moon.'));

    expect(await statusOf(chat('Summarize the plot in one line.', {}, 'The story is about a baker who wins a prize in Paris.'))).toBe('miss');
  });

  it('evicts the least recently used entries', () => {
    expect(index.size).toBeLessThanOrEqual(3);
  });
});
