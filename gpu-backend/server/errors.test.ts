import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateErrorResponse } from '../../src/openai/generated/response-validators.js';
import { createBackendApp } from './app.js';
import { createBackendFixture, MODEL_ID, waitForIdle, type BackendFixture } from './testing/backend-fixture.js';
import { silentLogger } from '../../src/log/logger.js';

let backend: BackendFixture;

beforeAll(async () => {
  backend = await createBackendFixture({ maxQueue: 0, maxBatchSize: 1 });
});

afterAll(async () => {
  await backend.close();
});

async function expectError(response: Response, status: number, expected: Record<string, unknown>): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(validateErrorResponse(body)).toBe(true);
  expect(body.error).toMatchObject(expected);
  expect(typeof body.error.message).toBe('string');
}

const valid = { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 4 };

describe('backend errors', () => {
  it('rejects invalid JSON', async () => {
    await expectError(await backend.post('/v1/completions', '{"model": '), 400, { type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('rejects a body that is not an object', async () => {
    await expectError(await backend.post('/v1/completions', '[1, 2]'), 400, { type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('rejects a missing model', async () => {
    await expectError(await backend.post('/v1/completions', { prompt: 'x' }), 400, { param: 'model' });
  });

  it('rejects an unknown model with 404', async () => {
    await expectError(await backend.post('/v1/completions', { ...valid, model: 'gpt-9' }), 404, { param: 'model', code: 'model_not_found' });
    await expectError(await backend.post('/v1/chat/completions', { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }), 404, {
      code: 'model_not_found',
    });
  });

  it.each([
    ['temperature', { temperature: 3 }],
    ['top_p', { top_p: -0.1 }],
    ['n', { n: 0 }],
    ['max_tokens', { max_tokens: 'many' }],
    ['stop', { stop: ['a', 'b', 'c', 'd', 'e'] }],
    ['stop', { stop: '' }],
    ['stream_options', { stream_options: { include_usage: true } }],
    ['best_of', { best_of: 2, n: 1 }],
    ['logprobs', { logprobs: 2 }],
    ['echo', { echo: true }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '5': 10 } }],
    ['prompt[0]', { prompt: [[1, 600]] }],
    ['prompt', { prompt: [] }],
    ['seed', { seed: 2 ** 60 }],
  ])('rejects a bad %s', async (param, override) => {
    await expectError(await backend.post('/v1/completions', { ...valid, ...override }), 400, { type: 'invalid_request_error', param });
  });

  it('rejects more choices than allowed', async () => {
    await expectError(await backend.post('/v1/completions', { ...valid, prompt: ['a', 'b', 'c'], n: 50 }), 400, { param: 'n' });
  });

  it('rejects a prompt that fills the context', async () => {
    await expectError(await backend.post('/v1/completions', { ...valid, prompt: [new Array(512).fill(403)] }), 400, {
      param: 'prompt',
      code: 'context_length_exceeded',
    });
  });

  it('answers unknown routes with 404', async () => {
    await expectError(await backend.app.request('/v1/images/generations', { method: 'POST' }), 404, { type: 'invalid_request_error' });
  });

  it('rejects work beyond the queue with 429 and Retry-After', async () => {
    // maxQueue 0 and maxBatchSize 1: one request may run and none may wait.
    const running = await backend.post('/v1/completions', { ...valid, max_tokens: 200, stream: true });
    const rejected = await backend.post('/v1/completions', valid);
    expect(rejected.headers.get('retry-after')).toBe('1');
    await expectError(rejected, 429, { type: 'rate_limit_error', code: 'overloaded' });

    await running.body!.cancel();
    await waitForIdle(backend.engine);
    expect((await backend.post('/v1/completions', valid)).status).toBe(200);
  });

  it('times out with 504', async () => {
    const app = createBackendApp({ engine: backend.engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 1 });
    const response = await app.request('/v1/completions', { method: 'POST', body: JSON.stringify({ ...valid, max_tokens: 300 }) });
    await expectError(response, 504, { type: 'timeout_error', code: 'timeout' });
    await waitForIdle(backend.engine);
  });

  it('reports a timeout inside a started stream', async () => {
    const app = createBackendApp({ engine: backend.engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 20 });
    const response = await app.request('/v1/completions', { method: 'POST', body: JSON.stringify({ ...valid, max_tokens: 400, stream: true }) });
    expect(response.status).toBe(200);

    const text = await response.text();
    const last = JSON.parse(text.trimEnd().split('\n\n').at(-1)!.slice('data: '.length)) as unknown;
    expect(validateErrorResponse(last)).toBe(true);
    expect(last).toMatchObject({ error: { type: 'timeout_error' } });
    expect(text).not.toContain('[DONE]');
    await waitForIdle(backend.engine);
  });
});
