import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';

import { createJsonLogger, type Logger } from '../../log/logger.js';
import { ApiError, invalidRequest } from '../../openai/errors.js';
import { openaiErrorHandler, openaiNotFound } from './index.js';

function createApp(thrown: unknown): { app: Hono; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = new Hono();
  app.use(requestId());
  app.get('/fail', () => {
    throw thrown;
  });
  app.onError(openaiErrorHandler({ logger, fields: (c) => ({ path: c.req.path }) }));
  app.notFound(openaiNotFound());
  return { app, lines };
}

describe('openaiErrorHandler', () => {
  it('renders an ApiError in OpenAI shape', async () => {
    const { app, lines } = createApp(invalidRequest("Invalid 'n': too large.", 'n', 'invalid_value'));

    const response = await app.request('/fail', { headers: { 'x-request-id': 'req-1' } });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(await response.json()).toEqual({ error: { message: "Invalid 'n': too large.", type: 'invalid_request_error', param: 'n', code: 'invalid_value' } });
    expect(lines).toEqual([]);
  });

  it('keeps headers and logs 5xx errors', async () => {
    const { app, lines } = createApp(new ApiError('Overloaded.', { status: 503, type: 'server_error', code: 'backend_overloaded', headers: { 'retry-after': '5' } }));

    const response = await app.request('/fail');

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, status: 503, code: 'backend_overloaded', path: '/fail', msg: 'Overloaded.' });
  });

  it('hides unexpected errors from clients', async () => {
    const { app, lines } = createApp(new Error('database password is hunter2'));

    const response = await app.request('/fail');
    const body = (await response.json()) as { error: { message: string; code: string } };

    expect(response.status).toBe(500);
    expect(body.error.message).not.toContain('hunter2');
    expect(body.error.code).toBe('internal_error');
    expect(lines[0]).toMatchObject({ level: 50, err: { message: 'database password is hunter2' } });
  });

  it('maps Hono HTTP exceptions', async () => {
    const { app } = createApp(new HTTPException(415, { message: 'Unsupported media type.' }));

    const response = await app.request('/fail');

    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: { message: 'Unsupported media type.', type: 'invalid_request_error', param: null, code: null } });
  });

  it('rejects a missing logger', () => {
    expect(() => openaiErrorHandler({ logger: {} as Logger })).toThrow(/options.logger must be a Logger/);
  });
});

describe('openaiNotFound', () => {
  it('names the unknown route', async () => {
    const { app } = createApp(undefined);

    const response = await app.request('/v1/embeddings', { method: 'POST' });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: 'Unknown request URL: POST /v1/embeddings.', type: 'invalid_request_error', param: null, code: 'unknown_url' },
    });
  });
});
