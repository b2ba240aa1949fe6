/**
 * A minimal OpenAI-compatible upstream on loopback for the overhead benchmark: a fixed completion
 * as JSON, or as server-sent events whose first chunk is written at once. It counts requests so
 * the benchmark can report backend calls.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchUpstream {
  origin: string;
  /** Requests received since start. */
  readonly calls: number;
  close(): Promise<void>;
}

const WORDS = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' robot'];

export async function startBenchUpstream(): Promise<BenchUpstream> {
  let calls = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // Health checks of the gateway's routing get a reply but do not count as generation calls.
      if (request.method !== 'POST') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      calls += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; stream?: boolean };
      const base = { id: 'chatcmpl-bench', created: 1_700_000_000, model: body.model };
      if (body.stream !== true) {
        const completion = {
          ...base,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join(''), refusal: null }, logprobs: null, finish_reason: 'length' }],
          usage: { prompt_tokens: 8, completion_tokens: WORDS.length, total_tokens: 8 + WORDS.length },
        };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
        return;
      }

      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const [index, word] of WORDS.entries()) {
        const delta = index === 0 ? { role: 'assistant', content: word } : { content: word };
        response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })}\n\n`);
      }
      response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }] })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
