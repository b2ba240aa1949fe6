import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import type { ApiErrorBody } from '../../openai/errors.js';
import { openaiErrorHandler } from '../on-error/index.js';
import { silentLogger } from '../../log/logger.js';
import { requestLimits } from './index.js';
import type { GenerationRequest } from './request-measures.js';

function appWith(request: GenerationRequest) {
  const app = new Hono<{ Variables: { openaiRequest?: GenerationRequest } }>();
  app.onError(openaiErrorHandler({ logger: silentLogger }));
  app.post(
    '/',
    async (c, next) => {
      c.set('openaiRequest', request);
      await next();
    },
    requestLimits({ maxMessages: 2, maxTokens: 10, maxPromptCharacters: 8 }),
    (c) => c.text('ok'),
  );
  return app;
}

async function errorOf(request: GenerationRequest): Promise<{ status: number; error: ApiErrorBody['error'] | undefined }> {
  const response = await appWith(request).request('/', { method: 'POST' });
  return { status: response.status, error: response.status === 200 ? undefined : ((await response.json()) as ApiErrorBody).error };
}

describe('requestLimits', () => {
  it('accepts a request within limits', async () => {
    expect((await errorOf({ model: 'm', prompt: 'hello', max_tokens: 10 })).status).toBe(200);
  });

  it('rejects max_tokens over the cap', async () => {
    const { status, error } = await errorOf({ model: 'm', prompt: 'hi', max_tokens: 11 });
    expect(status).toBe(400);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'max_tokens', code: 'max_tokens_too_large' });
  });

  it('names max_completion_tokens when used', async () => {
    const { error } = await errorOf({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 11 });
    expect(error?.param).toBe('max_completion_tokens');
  });

  it('rejects too many messages', async () => {
    const messages = [1, 2, 3].map(() => ({ role: 'user', content: 'a' }));
    expect((await errorOf({ model: 'm', messages })).error).toMatchObject({ param: 'messages', code: 'too_many_messages' });
  });

  it('counts prompt characters over all parts', async () => {
    const messages = [
      { role: 'system', content: 'abcd' },
      { role: 'user', content: [{ type: 'text', text: 'efghi' }] },
    ];
    expect((await errorOf({ model: 'm', messages })).error).toMatchObject({ param: 'messages', code: 'prompt_too_long' });
    expect((await errorOf({ model: 'm', prompt: ['abcd', 'efghi'] })).error).toMatchObject({ param: 'prompt', code: 'prompt_too_long' });
  });

  it('rejects a message that is not an object', async () => {
    const { error } = await errorOf({ model: 'm', messages: [{ role: 'user', content: 'a' }, 0 as never] });
    expect(error).toMatchObject({ param: 'messages[1]', code: 'invalid_type' });
  });

  it('rejects invalid options', () => {
    expect(() => requestLimits({ maxMessages: 0, maxTokens: 1, maxPromptCharacters: 1 })).toThrow(/maxMessages/);
  });
});
