import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MAX_BUFFERED_BODY_BYTES } from '../src/routing/response-body.js';
import { completeBodyOf } from '../src/streams/complete-body.js';
import { createNodeFetch } from './node-fetch.js';

let server: Server;
let origin: string;
let releaseStream: (() => void) | undefined;
const client = createNodeFetch();
/** A JSON body one byte over the bound of bodies read whole. */
const LARGE_JSON = `"${'x'.repeat(MAX_BUFFERED_BODY_BYTES - 1)}"`;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/echo') {
        response.writeHead(201, { 'content-type': 'application/json', 'x-seen-id': String(request.headers['x-request-id']) });
        response.end(JSON.stringify({ method: request.method, body: Buffer.concat(chunks).toString('utf8') }));
      } else if (request.url === '/chunked-json') {
        // Two writes without a content-length: Node sends the body chunked.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"part":');
        response.end('"two"}');
      } else if (request.url === '/large-json') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(LARGE_JSON.length) });
        response.end(LARGE_JSON);
      } else if (request.url === '/empty') {
        response.writeHead(204).end();
      } else if (request.url === '/stream') {
        // The first event goes out at once; the rest waits until the test releases it.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: first\n\n');
        releaseStream = () => response.end('data: [DONE]\n\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createNodeFetch', () => {
  it('sends method, headers and body', async () => {
    const response = await client.fetch(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' }, body: '{"a":1}' });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-seen-id')).toBe('req-1');
    expect(completeBodyOf(response)).toBe('{"method":"POST","body":"{\\"a\\":1}"}');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it('reads chunked JSON whole', async () => {
    const response = await client.fetch(`${origin}/chunked-json`, { method: 'POST', body: '{}' });

    expect(response.headers.get('content-length')).toBeNull();
    expect(completeBodyOf(response)).toBe('{"part":"two"}');
  });

  it('streams JSON over the bound', async () => {
    const response = await client.fetch(`${origin}/large-json`, { method: 'POST', body: '{}' });

    expect(completeBodyOf(response)).toBeUndefined();
    expect((await response.text()).length).toBe(LARGE_JSON.length);
  });

  it('returns a null body for 204', async () => {
    const response = await client.fetch(`${origin}/empty`, { method: 'POST', body: '' });

    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('streams chunks as they arrive', async () => {
    const response = await client.fetch(`${origin}/stream`, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    expect(completeBodyOf(response)).toBeUndefined();

    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');

    releaseStream!();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: [DONE]\n\n');
  });

  it('rejects when the signal aborts before the response', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client left'));

    await expect(client.fetch(`${origin}/echo`, { method: 'POST', body: '{}', signal: controller.signal })).rejects.toThrow();
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(client.fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('rejects a body that is not a string', async () => {
    await expect(client.fetch(`${origin}/echo`, { method: 'POST', body: new Uint8Array([1]) })).rejects.toThrow('only string request bodies are supported');
  });
});
