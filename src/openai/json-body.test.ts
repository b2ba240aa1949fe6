import { describe, expect, it } from 'vitest';

import { ApiError } from './errors.js';
import { readJsonBody } from './json-body.js';

function post(body: string): Request {
  return new Request('http://gateway.test/v1/feedback', { method: 'POST', body });
}

describe('readJsonBody', () => {
  it('parses a JSON body', async () => {
    expect(await readJsonBody(post('{"score":0.5}'))).toEqual({ score: 0.5 });
  });

  it('rejects invalid JSON with a 400', async () => {
    const error = await readJsonBody(post('{"score":')).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).code).toBe('invalid_json');
    expect((error as ApiError).message).toMatch(/^The request body is not valid JSON \(.+\)\.$/);
  });
});
