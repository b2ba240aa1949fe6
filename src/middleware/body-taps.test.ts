import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { tapResponseBody } from './body-taps.js';

describe('tapResponseBody', () => {
  it('shares one stream between middleware', async () => {
    const log: string[] = [];
    const bodies: (ReadableStream | null)[] = [];
    const app = new Hono();
    for (const name of ['outer', 'inner']) {
      app.use(async (c, next) => {
        await next();
        tapResponseBody(c, { chunk: () => log.push(`${name} chunk`), end: (outcome) => void log.push(`${name} ${outcome}`) });
        bodies.push(c.res.body);
      });
    }
    app.get('/', (c) => c.body('hello'));

    const response = await app.request('/');

    expect(await response.text()).toBe('hello');
    expect(log).toEqual(['inner chunk', 'outer chunk', 'inner complete', 'outer complete']);
    expect(bodies[0]).toBe(bodies[1]);
  });

  it('ends every tap of an empty body', async () => {
    const outcomes: string[] = [];
    const app = new Hono();
    for (const name of ['outer', 'inner']) {
      app.use(async (c, next) => {
        await next();
        // Awaiting here gives an eager stream time to reach the end before the outer tap joins.
        await new Promise((resolve) => setTimeout(resolve, 5));
        tapResponseBody(c, { end: (outcome) => void outcomes.push(`${name} ${outcome}`) });
      });
    }
    app.get('/', (c) => c.body(new ReadableStream<Uint8Array>({ start: (controller) => controller.close() })));

    const response = await app.request('/');

    expect(await response.text()).toBe('');
    expect(outcomes).toEqual(['inner complete', 'outer complete']);
  });
});
