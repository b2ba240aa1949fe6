/**
 * The Node entry (edge/node.ts) over real HTTP on loopback, in front of the backend test double.
 */

import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { GatewayConfigError } from '../../src/gateway/backend.js';
import { silentLogger } from '../../src/log/logger.js';
import { startMockBackend, STREAM_CHUNK_INTERVAL_MS, type MockBackend } from '../e2e/mock-backend.js';
import { parseEventData } from '../e2e/server-sent-events.js';
import { expectMatchesSchema } from '../e2e/spec-assertions.js';

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend();
  gateway = await startNodeGateway({
    variables: { BACKENDS: JSON.stringify([{ name: 'mock', baseURL: `${mock.origin}/ok/v1`, models: ['mock-model'] }]), MAX_BODY_BYTES: '4096' },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('Node gateway', () => {
  it('listens on loopback', () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('returns health status', async () => {
    const response = await fetch(`${gateway.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('forwards a chat completion', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    const body = (await response.json()) as { choices: { message: { content: string } }[] };

    expect(response.status).toBe(200);
    expectMatchesSchema('CreateChatCompletionResponse', body);
    expect(body.choices[0]?.message.content).toBe('Once upon');
  });

  it('streams events as they arrive', async () => {
    const response = await post('/v1/completions', { model: 'mock-model', prompt: 'Once', max_tokens: 6, stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream');

    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now());
      text += decoder.decode(value, { stream: true });
    }

    const events = parseEventData(text);
    expect(events.at(-1)).toBe('[DONE]');
    for (const data of events.slice(0, -1)) expectMatchesSchema('CreateCompletionStreamResponse', JSON.parse(data));
    expect(arrivals.length).toBeGreaterThan(3);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(STREAM_CHUNK_INTERVAL_MS * 3);
  });

  it('stops the backend on disconnect', async () => {
    // A backend that streams an event every 20 ms until its client (the gateway) disconnects.
    let backendClosed = false;
    const backend = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'endless-model', choices: [{ index: 0, text: 'a', logprobs: null, finish_reason: null }] };
      const timer = setInterval(() => response.write(`data: ${JSON.stringify(event)}\n\n`), 20);
      response.once('close', () => {
        clearInterval(timer);
        backendClosed = true;
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    const endless = await startNodeGateway({
      variables: { BACKENDS: JSON.stringify([{ name: 'endless', baseURL: `${origin}/v1`, models: ['endless-model'] }]) },
      hostname: '127.0.0.1',
      port: 0,
      logger: silentLogger,
    });

    try {
      // The client reads the first event, then drops the connection.
      const { hostname, port } = new URL(endless.url);
      await new Promise<void>((resolve, reject) => {
        const request = httpRequest({ hostname, port, path: '/v1/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        });
        request.on('error', reject);
        request.end(JSON.stringify({ model: 'endless-model', prompt: 'Once', stream: true }));
      });

      const deadline = Date.now() + 2_000;
      while (!backendClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(backendClosed).toBe(true);
    } finally {
      await endless.close();
      backend.closeAllConnections();
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });

  it('applies the configured body limit', async () => {
    const response = await post('/v1/completions', { model: 'mock-model', prompt: 'x'.repeat(5000) });

    expect(response.status).toBe(413);
    expectMatchesSchema('ErrorResponse', await response.json());
  });

  it('rejects a long chunked body with 413', async () => {
    // 256 KiB without a content-length, far past the 4 KiB limit and what the limit drains.
    const chunk = new Uint8Array(16 * 1024).fill(120);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 16) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${gateway.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);

    expect(response.status).toBe(413);
    expectMatchesSchema('ErrorResponse', await response.json());
  });

  it('rejects invalid configuration at startup', async () => {
    await expect(startNodeGateway({ variables: { BACKENDS: '[]' }, hostname: '127.0.0.1', port: 0, logger: silentLogger })).rejects.toBeInstanceOf(
      GatewayConfigError,
    );
  });
});
