/**
 * The gateway Worker (edge/worker.ts) inside workerd, calling the loopback backend test double
 * started by global-setup.ts. Every body is checked against OpenAI's published schemas.
 */

import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

import { parseEventData } from '../e2e/server-sent-events.js';
import { expectMatchesSchema } from '../e2e/spec-assertions.js';

const GATEWAY = 'http://gateway.test';

interface RecordedRequest {
  path: string;
  requestId: string | undefined;
  accept: string | undefined;
  body: Record<string, unknown>;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${GATEWAY}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectApiError(response: Response, status: number, expected: { type?: string; param?: string | null; code?: string | null }) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as { error: Record<string, unknown> };
  expectMatchesSchema('ErrorResponse', body);
  expect(body.error).toMatchObject(expected);
  return body.error;
}

async function recordedRequests(requestId: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${inject('mockBackendOrigin')}/_recorded?requestId=${encodeURIComponent(requestId)}`);
  return (await response.json()) as RecordedRequest[];
}

describe('gateway worker in workerd', () => {
  it('returns health status', async () => {
    const response = await exports.default.fetch(`${GATEWAY}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
  });

  it('lists the models of all backends', async () => {
    const response = await exports.default.fetch(`${GATEWAY}/v1/models`);
    const body = (await response.json()) as { data: { id: string; owned_by: string }[] };

    expect(response.status).toBe(200);
    expectMatchesSchema('ListModelsResponse', body);
    expect(body.data.map((model) => model.id)).toContain('mock-ok');
    expect(body.data.find((model) => model.id === 'mock-slow')?.owned_by).toBe('slow');
  });

  it('forwards a completion with the request id', async () => {
    const response = await post('/v1/completions', { model: 'mock-ok', prompt: 'Once', max_tokens: 4 }, { 'x-request-id': 'workerd-completion-1' });
    const body = (await response.json()) as { choices: { text: string }[]; model: string };

    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('workerd-completion-1');
    expectMatchesSchema('CreateCompletionResponse', body);
    expect(body.choices[0]?.text).toBe('Once upon a time');
    expect(body.model).toBe('mock-ok');

    const [received] = await recordedRequests('workerd-completion-1');
    expect(received?.path).toBe('/ok/v1/completions');
    expect(received?.accept).toBe('application/json');
    expect(received?.body).toEqual({ model: 'mock-ok', prompt: 'Once', max_tokens: 4 });
  });

  it('streams chat completion chunks through', async () => {
    const response = await post(
      '/v1/chat/completions',
      { model: 'mock-ok', messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 3, stream: true, stream_options: { include_usage: true } },
      { 'x-request-id': 'workerd-stream-1' },
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseEventData(await response.text());
    expect(events.at(-1)).toBe('[DONE]');

    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
    for (const chunk of chunks) expectMatchesSchema('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('')).toBe('Once upon a');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: 3, total_tokens: expect.any(Number) });

    const [received] = await recordedRequests('workerd-stream-1');
    expect(received?.accept).toBe('text/event-stream');
  });

  it('applies parameter map and response transform', async () => {
    const response = await post('/v1/completions', { model: 'mock-mapped', prompt: 'Once', max_tokens: 2, user: 'u-1' }, { 'x-request-id': 'workerd-mapped-1' });
    const body = (await response.json()) as { model: string };

    expect(response.status).toBe(200);
    expectMatchesSchema('CreateCompletionResponse', body);
    expect(body.model).toBe('mock-mapped');

    const [received] = await recordedRequests('workerd-mapped-1');
    expect(received?.body).toEqual({ model: 'mock-mapped', prompt: 'Once', max_new_tokens: 2 });
  });

  it('rejects chat for a completions-only backend', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock-completions-only', messages: [{ role: 'user', content: 'hi' }] });
    await expectApiError(response, 404, { param: 'model', code: 'unsupported_endpoint' });
  });

  it('rejects malformed JSON', async () => {
    const error = await expectApiError(await post('/v1/completions', '{"model": "mock-ok", "prompt": '), 400, {
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('rejects a missing model', async () => {
    const error = await expectApiError(await post('/v1/completions', { prompt: 'hi' }), 400, { type: 'invalid_request_error', param: 'model' });
    expect(error.message).toBe("Missing required parameter: 'model'.");
  });

  it('rejects an invalid message role', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock-ok', messages: [{ role: 'robot', content: 'hi' }] });
    await expectApiError(response, 400, { param: 'messages[0].role', code: 'invalid_value' });
  });

  it('rejects negative max_tokens in chat', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock-ok', messages: [{ role: 'user', content: 'hi' }], max_tokens: -5 });
    await expectApiError(response, 400, { param: 'max_tokens', code: 'integer_below_min_value' });
  });

  it('rejects an unknown model with 404', async () => {
    const error = await expectApiError(await post('/v1/completions', { model: 'no-such-model', prompt: 'hi' }), 404, {
      param: 'model',
      code: 'model_not_found',
    });
    expect(error.message).toContain('no-such-model');
  });

  it('rejects a body over the size limit with 413', async () => {
    const response = await post('/v1/completions', { model: 'mock-ok', prompt: 'x'.repeat(1_100_000) });
    await expectApiError(response, 413, { code: 'request_too_large' });
  });

  it('maps a backend 503 to 503 with Retry-After', async () => {
    const response = await post('/v1/completions', { model: 'mock-overloaded', prompt: 'hi' });
    expect(response.headers.get('retry-after')).toBe('7');
    await expectApiError(response, 503, { code: 'backend_overloaded' });
  });

  it('maps a backend 429 to 503 with Retry-After', async () => {
    const response = await post('/v1/completions', { model: 'mock-rate-limited', prompt: 'hi' });
    expect(response.headers.get('retry-after')).toBe('3');
    await expectApiError(response, 503, { code: 'backend_overloaded' });
  });

  it('passes a backend 400 through', async () => {
    const response = await post('/v1/completions', { model: 'mock-rejecting', prompt: 'hi' });
    const error = await expectApiError(response, 400, { type: 'invalid_request_error', param: 'prompt', code: 'context_length_exceeded' });
    expect(error.message).toBe('The prompt is longer than the context window.');
  });

  it('maps a backend 500 to 502', async () => {
    const error = await expectApiError(await post('/v1/completions', { model: 'mock-failing', prompt: 'hi' }), 502, { code: 'backend_error' });
    expect(error.message).toContain('backend exploded');
  });

  it('maps a slow backend to 504', async () => {
    await expectApiError(await post('/v1/completions', { model: 'mock-slow', prompt: 'hi' }), 504, { type: 'timeout_error', code: 'backend_timeout' });
  });

  it('maps a stopped backend to 502', async () => {
    await expectApiError(await post('/v1/completions', { model: 'mock-stopped', prompt: 'hi' }), 502, { code: 'backend_unreachable' });
  });

  it('answers unknown routes in OpenAI shape', async () => {
    await expectApiError(await exports.default.fetch(`${GATEWAY}/v1/embeddings`), 404, { code: 'unknown_url' });
  });
});
