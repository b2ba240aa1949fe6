import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { completeBodyOf, hasNullBody, markCompleteBody } from './complete-body.js';

describe('complete bodies', () => {
  it('finds the text of a marked response', async () => {
    const seen: (string | undefined)[] = [];
    const app = new Hono();
    app.use(async (c, next) => {
      await next();
      seen.push(completeBodyOf(c.res));
    });
    app.get('/marked', (c) => markCompleteBody(c.body('{"a":1}', 200), '{"a":1}'));
    app.get('/plain', (c) => c.body('{"b":2}', 200));

    expect(await (await app.request('/marked')).text()).toBe('{"a":1}');
    expect(await (await app.request('/plain')).text()).toBe('{"b":2}');
    expect(seen).toEqual(['{"a":1}', undefined]);
  });

  it('tells a null body apart', () => {
    expect(hasNullBody(new Response(null, { status: 204 }))).toBe(true);
    expect(hasNullBody(markCompleteBody(new Response(''), ''))).toBe(false);
    expect(hasNullBody(new Response('x'))).toBe(false);
  });
});
