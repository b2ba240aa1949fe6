import { describe, expect, it } from 'vitest';

import { createJsonLogger, silentLogger } from '../log/logger.js';
import { validateCreateCompletionResponse, validateListModelsResponse } from '../openai/generated/response-validators.js';
import { GatewayConfigError } from './backend.js';
import { createGateway, type GatewayOptions } from './create-gateway.js';
import type { FetchFunction } from './forward.js';

const BACKENDS = [
  { name: 'local', baseURL: 'http://127.0.0.1:8000/v1', models: ['stories260K'] },
  { name: 'second', baseURL: 'http://127.0.0.1:8001/v1', models: ['babyllama', 'tiny'] },
];

const COMPLETION = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1_700_000_000,
  model: 'stories260K',
  choices: [{ text: ' there was', index: 0, logprobs: null, finish_reason: 'length' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

function createApp(options: Partial<GatewayOptions> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch: FetchFunction = async (url, init) => {
    calls.push({ url, init });
    return Response.json(COMPLETION);
  };
  const app = createGateway({ backends: BACKENDS, logger: silentLogger, fetch, ...options });
  return { app, calls };
}

function post(app: ReturnType<typeof createGateway>, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('createGateway', () => {
  it('forwards to the backend that serves the model', async () => {
    const { app, calls } = createApp();

    const response = await post(app, '/v1/completions', { model: 'tiny', prompt: 'Once' }, { 'x-request-id': 'abc-123' });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect(validateCreateCompletionResponse(await response.json())).toBe(true);
    expect(calls[0]?.url).toBe('http://127.0.0.1:8001/v1/completions');
    expect((calls[0]?.init.headers as Record<string, string>)['x-request-id']).toBe('abc-123');
  });

  it('generates a request id when none is valid', async () => {
    const { app, calls } = createApp();

    const response = await post(app, '/v1/completions', { model: 'tiny', prompt: 'Once' }, { 'x-request-id': 'bad id\twith spaces' });
    const requestId = response.headers.get('x-request-id');

    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((calls[0]?.init.headers as Record<string, string>)['x-request-id']).toBe(requestId);
  });

  it('lists the union of backend models', async () => {
    const { app } = createApp();

    const response = await app.request('/v1/models');
    const body = (await response.json()) as { data: { id: string; owned_by: string }[] };

    expect(validateListModelsResponse(body)).toBe(true);
    expect(body.data.map((model) => `${model.owned_by}/${model.id}`)).toEqual(['local/stories260K', 'second/babyllama', 'second/tiny']);
  });

  it('retrieves one model by id', async () => {
    const { app } = createApp();

    const found = await app.request('/v1/models/tiny');
    const missing = await app.request('/v1/models/nope');

    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: 'tiny', object: 'model', owned_by: 'second' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('answers a wrong method with 405', async () => {
    const { app, calls } = createApp();

    const response = await app.request('/v1/completions', { method: 'GET' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'method_not_allowed' } });
    expect(calls).toHaveLength(0);
  });

  it('returns health status', async () => {
    const { app } = createApp();

    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok' });
  });

  it('rejects an unknown model before forwarding', async () => {
    const { app, calls } = createApp();

    const response = await post(app, '/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    expect(calls).toEqual([]);
  });

  it('enforces the body size limit', async () => {
    const { app, calls } = createApp({ maxBodyBytes: 100 });

    const response = await post(app, '/v1/completions', { model: 'tiny', prompt: 'x'.repeat(200) });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { message: 'The request body is larger than the limit of 100 bytes.', type: 'invalid_request_error', param: null, code: 'request_too_large' },
    });
    expect(calls).toEqual([]);
  });

  it('logs model and backend per request', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const { app } = createApp({ logger });

    await post(app, '/v1/completions', { model: 'stories260K', prompt: 'Once' }, { 'x-request-id': 'log-1' });

    expect(lines.filter((line) => line.requestId !== undefined)).toEqual([
      expect.objectContaining({ requestId: 'log-1', route: '/v1/completions', model: 'stories260K', backend: 'local', status: 200, latencyMs: expect.any(Number) }),
    ]);
  });

  it('rejects invalid options', () => {
    expect(() => createGateway({ backends: [], logger: silentLogger })).toThrow(GatewayConfigError);
    expect(() => createGateway({ backends: BACKENDS, logger: silentLogger, maxBodyBytes: 0 })).toThrow(/options.maxBodyBytes must be a positive integer/);
    expect(() => createGateway({ backends: BACKENDS, logger: silentLogger, firstByteTimeoutMs: 1.5 })).toThrow(/options.firstByteTimeoutMs/);
  });
});
