import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { replaceBody } from './replace-body.js';

function upperCase(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return new TransformStream({ transform: (chunk, controller) => controller.enqueue(encoder.encode(decoder.decode(chunk).toUpperCase())) });
}

describe('replaceBody', () => {
  it('keeps status and every header', async () => {
    const app = new Hono();
    app.use(async (c, next) => {
      c.header('x-before', 'set before next');
      await next();
      replaceBody(c, c.res.body!.pipeThrough(upperCase()));
    });
    app.get('/', (c) => c.body('hello', 201, { 'content-type': 'text/plain', 'x-handler': 'set by the handler' }));

    const response = await app.request('/');

    expect(response.status).toBe(201);
    expect(response.headers.get('x-before')).toBe('set before next');
    expect(response.headers.get('x-handler')).toBe('set by the handler');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('HELLO');
  });

  it('chains in nested middleware', async () => {
    const app = new Hono();
    for (const name of ['outer', 'inner']) {
      app.use(async (c, next) => {
        await next();
        c.header(`x-${name}`, 'seen');
        replaceBody(c, c.res.body!.pipeThrough(new TransformStream()));
      });
    }
    app.get('/', (c) => c.text('body'));

    const response = await app.request('/');

    expect(response.headers.get('x-inner')).toBe('seen');
    expect(response.headers.get('x-outer')).toBe('seen');
    expect(await response.text()).toBe('body');
  });
});
