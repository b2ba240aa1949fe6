/**
 * Streaming through the Node gateway from a backend that writes its server-sent events in tiny
 * pieces: keep-alive comments (`: ping`), a usage-only chunk, and UTF-8 characters cut between
 * network writes. The client must receive the backend's bytes unchanged, less the usage chunk when
 * it did not ask for usage. The official `openai` client must read the text and usage, and the
 * gateway must settle the tenant's cost from the usage chunk.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';

const ADMIN_TOKEN = 'stream-admin-token-0123456789';
const TEXT_PIECES = ['Il était', ' une fois ', '日本の', '猫 🐱', ' çà et là'];

function chunk(payload: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'cmpl-split', object: 'text_completion', created: 1_700_000_000, model: 'split-model', ...payload })}\n\n`;
}

/** The whole stream the backend sends; the test server writes it in pieces of PIECE_BYTES. */
const STREAM = [
  ': ping\n\n',
  ...TEXT_PIECES.map((text) => chunk({ choices: [{ text, index: 0, logprobs: null, finish_reason: null }] })),
  ': ping\r\n\r\n',
  chunk({ choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'length' }] }),
  chunk({ choices: [], usage: { prompt_tokens: 1_000, completion_tokens: 2_000, total_tokens: 3_000 } }),
  'data: [DONE]\n\n',
].join('');
const STREAM_BYTES = new TextEncoder().encode(STREAM);
const USAGE_CHUNK = chunk({ choices: [], usage: { prompt_tokens: 1_000, completion_tokens: 2_000, total_tokens: 3_000 } });

/** Bytes per network write: 2 cuts most multi-byte characters, and some CRLF pairs. */
const PIECE_BYTES = 2;

let backend: Server;
let gateway: RunningGateway;
let apiKey: string;
let keyId: string;
/** The `stream_options` of each request the backend received. */
const forwardedStreamOptions: unknown[] = [];

beforeAll(async () => {
  backend = createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (piece: Buffer) => body.push(piece));
    request.on('end', async () => {
      forwardedStreamOptions.push((JSON.parse(Buffer.concat(body).toString('utf8')) as { stream_options?: unknown }).stream_options);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let offset = 0; offset < STREAM_BYTES.length; offset += PIECE_BYTES) {
        response.write(STREAM_BYTES.subarray(offset, offset + PIECE_BYTES));
        // Each write goes out as its own network chunk.
        await new Promise((resolve) => setImmediate(resolve));
      }
      response.end();
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const { port } = backend.address() as AddressInfo;

  gateway = await startNodeGateway({
    variables: {
      BACKENDS: JSON.stringify([{ name: 'split', baseURL: `http://127.0.0.1:${port}/v1`, models: ['split-model']}]),
      AUTH: 'on',
      ADMIN_TOKEN,
      PRICES: JSON.stringify({ 'split-model': { prompt: 1, completion: 2 } }),
    },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });

  const created = await fetch(`${gateway.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ tenant_id: 'stream-tenant' }) });
  ({ key: apiKey, id: keyId } = (await created.json()) as { key: string; id: string });
});

afterAll(async () => {
  await gateway?.close();
  backend?.closeAllConnections();
  await new Promise<void>((resolve) => backend?.close(() => resolve()));
});

describe('stream pass-through', () => {
  it('passes byte-split events unchanged', async () => {
    const response = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'split-model', prompt: 'x', max_tokens: 8, stream: true, stream_options: { include_usage: true } }),
    });

    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(STREAM_BYTES);
  });

  it('drops the usage chunk nobody asked for', async () => {
    forwardedStreamOptions.length = 0;
    const response = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'split-model', prompt: 'x', max_tokens: 8, stream: true }),
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe(STREAM.replace(USAGE_CHUNK, ''));
    expect(forwardedStreamOptions).toEqual([{ include_usage: true }]);
  });

  it('lets the openai client read text and usage', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
    const stream = await client.completions.create({ model: 'split-model', prompt: 'x', max_tokens: 8, stream: true, stream_options: { include_usage: true } });

    let text = '';
    let usage: unknown;
    for await (const event of stream) {
      text += event.choices[0]?.text ?? '';
      if (event.usage) usage = event.usage;
    }

    expect(text).toBe(TEXT_PIECES.join(''));
    expect(usage).toEqual({ prompt_tokens: 1_000, completion_tokens: 2_000, total_tokens: 3_000 });
  });

  it('settles cost from the usage chunk', async () => {
    const listing = await fetch(`${gateway.url}/admin/keys`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { data } = (await listing.json()) as { data: { id: string; spentUsd: number }[] };

    // Three streams of 1,000 prompt tokens at $1/M and 2,000 completion tokens at $2/M: $0.005
    // each, the one whose client did not ask for usage included.
    expect(data.find((key) => key.id === keyId)?.spentUsd).toBeCloseTo(0.015, 10);
  });
});
