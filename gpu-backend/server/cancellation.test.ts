import type { AddressInfo } from 'node:net';

import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/log/logger.js';
import { createBackendApp } from './app.js';
import { createBackendFixture, MODEL_ID, waitForIdle, type BackendFixture } from './testing/backend-fixture.js';

let backend: BackendFixture;
let server: ServerType;
let baseUrl: string;

beforeAll(async () => {
  backend = await createBackendFixture();
  server = serve({ fetch: backend.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await backend.close();
});

/** Sequence-steps so far: every decode step adds its batch size. */
const sequenceSteps = (): number => backend.metrics.decodeBatchSize.get().sum;

// 500 tokens from BOS nearly fill the 512-token context, far more than run before a cancellation lands.
const LONG = { model: MODEL_ID, prompt: '', max_tokens: 500, temperature: 0 };

async function expectNoMoreSteps(): Promise<void> {
  await waitForIdle(backend.engine);
  const settled = sequenceSteps();
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(sequenceSteps()).toBe(settled);
}

describe('cancellation', () => {
  it('stops decoding when the client disconnects', async () => {
    const before = sequenceSteps();
    const cancelledBefore = backend.metrics.requests.get({ outcome: 'cancelled' });
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...LONG, stream: true }),
      signal: controller.signal,
    });
    await response.body!.getReader().read();
    controller.abort();

    await expectNoMoreSteps();
    expect(sequenceSteps() - before).toBeLessThan(499);
    expect(backend.metrics.requests.get({ outcome: 'cancelled' })).toBe(cancelledBefore + 1);
  });

  it('stops decoding when the request times out', async () => {
    const app = createBackendApp({ engine: backend.engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 5 });
    const before = sequenceSteps();
    const response = await app.request('/v1/completions', { method: 'POST', body: JSON.stringify(LONG) });
    expect(response.status).toBe(504);

    await expectNoMoreSteps();
    expect(sequenceSteps() - before).toBeLessThan(499);
  });

  it('keeps other streams running after a cancellation', async () => {
    const cancelled = backend.post('/v1/completions', { ...LONG, stream: true });
    const survivor = backend.post('/v1/completions', { ...LONG, max_tokens: 50 });
    await (await cancelled).body!.cancel();

    const body = (await (await survivor).json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(50);
    await expectNoMoreSteps();
  });

  it('exposes Prometheus metrics', async () => {
    await backend.post('/v1/completions', { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 3 });
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      'slimgate_backend_queue_time_seconds_bucket',
      'slimgate_backend_time_to_first_token_seconds_count',
      'slimgate_backend_inter_token_latency_seconds_sum',
      'slimgate_backend_prompt_tokens_total',
      'slimgate_backend_generation_tokens_total',
      'slimgate_backend_request_prompt_tokens_sum',
      'slimgate_backend_request_generation_tokens_count',
      'slimgate_backend_decode_batch_size_bucket{le="+Inf"}',
      'slimgate_backend_requests_total{outcome="completed"}',
      'slimgate_backend_waiting_requests 0',
    ]) {
      expect(text).toContain(name);
    }
  });
});
