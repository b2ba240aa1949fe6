import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { errorResponse } from '../../openai/errors.js';
import type { GenerationEndpoint } from '../../openai/request-types.js';
import { validateOpenAI } from './index.js';

function createApp() {
  const app = new Hono();
  app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), (c) => c.json({ model: c.var.openaiRequest.model, prompt: c.var.openaiRequest.prompt }));
  app.onError((error) => errorResponse(error));
  return app;
}

function post(body: string): Promise<Response> {
  return Promise.resolve(createApp().request('/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
}

describe('validateOpenAI', () => {
  it('stores the validated request', async () => {
    const response = await post(JSON.stringify({ model: 'stories260K', prompt: 'Once' }));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ model: 'stories260K', prompt: 'Once' });
  });

  it('rejects malformed JSON', async () => {
    const response = await post('{"model": "stories260K",');
    const body = (await response.json()) as { error: { message: string; code: string; param: null } };

    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.param).toBeNull();
    expect(body.error.message).toMatch(/^The request body is not valid JSON \(.+\)\.$/);
  });

  it('rejects an empty body', async () => {
    const response = await post('   ');
    const body = (await response.json()) as { error: { message: string } };

    expect(response.status).toBe(400);
    expect(body.error.message).toBe('The request body is empty; expected a JSON object.');
  });

  it('rejects a schema violation', async () => {
    const response = await post(JSON.stringify({ model: 'stories260K', prompt: 'Once', n: 0 }));
    const body = (await response.json()) as { error: { param: string } };

    expect(response.status).toBe(400);
    expect(body.error.param).toBe('n');
  });

  it('rejects an unknown endpoint option', () => {
    expect(() => validateOpenAI({ endpoint: 'embeddings' as GenerationEndpoint })).toThrow(/options.endpoint must be one of completions, chat.completions/);
  });
});
