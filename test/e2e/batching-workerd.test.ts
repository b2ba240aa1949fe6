/**
 * Batching and coalescing in workerd over real HTTP: the gateway Worker started with wrangler's
 * `unstable_startWorker`, its batcher Durable Object, and the loopback batch backend.
 */

import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';

import { parseServerSentEventData } from '../../src/cache/testing/event-data.js';
import { startBatchBackend, type BatchBackend } from './batch-backend.js';
import { expectMatchesSchema } from './spec-assertions.js';

let backend: BatchBackend;
let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
let gatewayURL: string;

beforeAll(async () => {
  backend = await startBatchBackend();
  const backends = [{ name: 'batched', baseURL: backend.baseURL, models: ['batch-model'] }];

  worker = await unstable_startWorker({
    config: path.resolve('wrangler.toml'),
    bindings: {
      BACKENDS: { type: 'plain_text', value: JSON.stringify(backends) },
      BATCHING: { type: 'plain_text', value: JSON.stringify({ batched: { maxBatchSize: 4, maxDelayMs: 50 } }) },
      RESULT_CACHE: { type: 'plain_text', value: 'off' },
      COALESCING: { type: 'plain_text', value: 'off' },
      LOG_LEVEL: { type: 'plain_text', value: 'error' },
    },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'error' },
    sendMetrics: false,
  });
  await worker.ready;
  gatewayURL = (await worker.url).href.replace(/\/$/, '');
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  await backend?.close();
}, 30_000);

function post(body: unknown): Promise<Response> {
  return fetch(`${gatewayURL}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('batching in workerd', () => {
  it('batches streams through the Durable Object', async () => {
    const before = backend.batchSizes.length;

    const responses = await Promise.all(
      [1, 2, 3, 4].map((maxTokens) => post({ model: 'batch-model', messages: [{ role: 'user', content: `story ${maxTokens}` }], max_tokens: maxTokens, stream: true })),
    );
    const streams = await Promise.all(responses.map((response) => response.text()));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(backend.batchSizes.slice(before)).toEqual([4]);
    expect(backend.directCalls).toBe(0);
    for (const [index, text] of streams.entries()) {
      const events = parseServerSentEventData(text);
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: { content?: string } }[] });
      for (const chunk of chunks) expectMatchesSchema('CreateChatCompletionStreamResponse', chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('').split(' ')).toHaveLength(index + 1);
    }
  });
});
