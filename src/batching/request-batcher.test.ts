/**
 * Batching in the Node gateway: the real batcher and demultiplexer in front of the real batch
 * route, on a loopback test backend that counts batch calls.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBatchBackend, type BatchBackend } from '../../test/e2e/batch-backend.js';
import { buildResultCacheLayerOptions } from '../cache/build-layer-options.js';
import { DEFAULT_CACHE_SETTINGS } from '../cache/settings.js';
import { parseServerSentEventData } from '../cache/testing/event-data.js';
import { parseBackends } from '../gateway/backend.js';
import { createGateway } from '../gateway/create-gateway.js';
import { silentLogger } from '../log/logger.js';
import { validateCreateChatCompletionStreamResponse, validateCreateCompletionResponse } from '../openai/generated/response-validators.js';
import { RequestBatcher } from './request-batcher.js';
import { readBatchingSettings } from './settings.js';

let backend: BatchBackend;
let app: ReturnType<typeof createGateway>;

beforeAll(async () => {
  backend = await startBatchBackend();
  const backends = [{ name: 'batched', baseURL: backend.baseURL, models: ['batch-model'] }];
  const settings = { ...DEFAULT_CACHE_SETTINGS, mode: 'off' as const, coalescing: false, batching: { batched: { maxBatchSize: 4, maxDelayMs: 20 } } };
  app = createGateway({ backends, logger: silentLogger, resultCache: buildResultCacheLayerOptions(settings, parseBackends(backends), {}, silentLogger) });
});

afterAll(async () => {
  await backend?.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('request batching', () => {
  it('groups concurrent requests into batch calls', async () => {
    const before = backend.batchSizes.length;

    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) => post('/v1/completions', { model: 'batch-model', prompt: `story ${index}`, max_tokens: 2 + (index % 3) })),
    );
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as { choices: { text: string }[] }[];

    expect(backend.batchSizes.slice(before)).toEqual([4, 4]);
    expect(backend.directCalls).toBe(0);
    for (const [index, body] of bodies.entries()) {
      expect(validateCreateCompletionResponse(body)).toBe(true);
      expect(body.choices[0]?.text.split(' ').length).toBe(2 + (index % 3));
    }
  });

  it('demultiplexes streams', async () => {
    const before = backend.batchSizes.length;

    const responses = await Promise.all(
      [2, 5, 3].map((maxTokens) => post('/v1/chat/completions', { model: 'batch-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens, stream: true })),
    );
    const streams = await Promise.all(responses.map((response) => response.text()));

    expect(backend.batchSizes.slice(before)).toEqual([3]);
    for (const [index, text] of streams.entries()) {
      const events = parseServerSentEventData(text);
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: { content?: string } }[] });
      for (const chunk of chunks) expect(validateCreateChatCompletionStreamResponse(chunk)).toBe(true);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('').split(' ').length).toBe([2, 5, 3][index]);
    }
  });

  it('sends a lone request after the delay', async () => {
    const before = backend.batchSizes.length;

    const response = await post('/v1/completions', { model: 'batch-model', prompt: 'alone', max_tokens: 1 });
    await response.json();

    expect(backend.batchSizes.slice(before)).toEqual([1]);
  });

  it('rejects an invalid priority', async () => {
    const response = await post('/v1/completions', { model: 'batch-model', prompt: 'x' }, { 'x-slimgate-priority': 'urgent' });
    expect(response.status).toBe(400);
  });
});

describe('readBatchingSettings', () => {
  it('reads per-backend limits', () => {
    const problems: string[] = [];
    expect(readBatchingSettings('{"local":{"maxBatchSize":8,"maxDelayMs":5}}', problems)).toEqual({ local: { maxBatchSize: 8, maxDelayMs: 5 } });
    expect(problems).toEqual([]);
  });

  it('names invalid limits', () => {
    const problems: string[] = [];
    readBatchingSettings({ local: { maxBatchSize: 0, maxDelayMs: 5 } }, problems);
    expect(problems).toEqual(['BATCHING.local.maxBatchSize must be an integer from 1 to 256, got 0.']);
  });

  it('reports invalid JSON', () => {
    const problems: string[] = [];

    expect(readBatchingSettings('{"local":', problems)).toEqual({});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^BATCHING is not valid JSON \(.+\)\.$/);
  });
});

describe('RequestBatcher', () => {
  it('sends higher priority first', async () => {
    const sent: string[][] = [];
    const batcher = new RequestBatcher({
      batchURL: `${backend.baseURL}/batch/completions`,
      maxBatchSize: 2,
      maxDelayMs: 20,
      maxInFlightBatches: 1,
      fetch: async (url, init) => {
        sent.push((JSON.parse(String(init.body)) as { requests: { body: { prompt: string } }[] }).requests.map((item) => item.body.prompt));
        return fetch(url, init);
      },
    });
    const submit = (prompt: string, priority: number) => batcher.submit({ endpoint: 'completions', body: { model: 'batch-model', prompt, max_tokens: 1 }, priority });

    // The first two fill a batch at once; the next three queue until it ends and leave by priority.
    const responses = await Promise.all([submit('a', 0), submit('b', 0), submit('low', 0), submit('also-low', 0), submit('high', 2)]);
    await Promise.all(responses.map((response) => response.text()));

    expect(sent).toEqual([['a', 'b'], ['high', 'low'], ['also-low']]);
    expect(batcher.batchCalls).toBe(3);
  });
});
