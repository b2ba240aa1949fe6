import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { openaiErrorHandler } from '../on-error/index.js';
import { silentLogger } from '../../log/logger.js';
import { bodyLimit } from './index.js';

/** Creates a chunked body of `count` chunks of `size` bytes that counts the chunks read. */
function chunkedBody(count: number, size: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === count) {
        controller.close();
        return;
      }
      pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(97));
    },
  });
  return { body, pulled: () => pulled };
}

function app(options: Parameters<typeof bodyLimit>[0]) {
  const routes = new Hono();
  routes.onError(openaiErrorHandler({ logger: silentLogger }));
  routes.post('/', bodyLimit(options), async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));
  return routes;
}

function post(body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}): Request {
  return new Request('http://test/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('bodyLimit', () => {
  it('passes a chunked body within the limit', async () => {
    const { body } = chunkedBody(4, 100);
    const response = await app({ maxBytes: 400 }).fetch(post(body));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('400');
  });

  it('rejects an oversized declared length', async () => {
    const response = await app({ maxBytes: 10 }).fetch(post('x'.repeat(11), { 'content-length': '11' }));

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { message: 'The request body is larger than the limit of 10 bytes.', type: 'invalid_request_error', param: null, code: 'request_too_large' },
    });
  });

  it('drains an oversized chunked body', async () => {
    const { body, pulled } = chunkedBody(10, 100);
    const response = await app({ maxBytes: 250 }).fetch(post(body));

    expect(response.status).toBe(413);
    expect(pulled()).toBe(10);
  });

  it('stops draining past its budget', async () => {
    const { body, pulled } = chunkedBody(100, 100);
    const response = await app({ maxBytes: 100, maxDrainBytes: 300 }).fetch(post(body));

    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(10);
  });

  it('caches a source body as text', async () => {
    async function* socket(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('{"model":');
      yield new TextEncoder().encode('"m"}');
    }
    const routes = new Hono();
    routes.post('/', bodyLimit({ maxBytes: 100, source: () => socket() }), async (c) => c.text(await c.req.text()));

    const response = await routes.fetch(post('ignored because the source wins'));

    expect(await response.text()).toBe('{"model":"m"}');
  });

  it('rejects a source body over the limit', async () => {
    async function* socket(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 5; i++) yield new Uint8Array(100);
    }
    const routes = new Hono();
    routes.onError(openaiErrorHandler({ logger: silentLogger }));
    routes.post('/', bodyLimit({ maxBytes: 250, source: () => socket() }), (c) => c.text('unreachable'));

    const response = await routes.fetch(post('x'));

    expect(response.status).toBe(413);
  });

  it('rejects invalid options at creation', () => {
    expect(() => bodyLimit({ maxBytes: 0 })).toThrow('options.maxBytes must be a positive integer');
    expect(() => bodyLimit({ maxBytes: 1, maxDrainBytes: -1 })).toThrow('options.maxDrainBytes must be a non-negative integer');
  });
});
