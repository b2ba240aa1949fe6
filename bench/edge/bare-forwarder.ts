/**
 * The floor of the overhead benchmark: a forwarder with no gateway logic at all. It passes each
 * POST body to UPSTREAM_ORIGIN with undici's `request` on a keep-alive pool, the gateway's Node
 * transport, and pipes the reply back. What it adds over calling the upstream directly is the
 * cost of one more Node HTTP server and client on this machine, which no Node gateway avoids.
 *
 * Runs as a child process: UPSTREAM_ORIGIN=http://127.0.0.1:PORT HOST=127.0.0.1 PORT=8788 node --import tsx bench/edge/bare-forwarder.ts
 */

import { createServer, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

import { Agent, request } from 'undici';

const upstream = process.env.UPSTREAM_ORIGIN;
if (upstream === undefined || upstream === '') throw new Error('UPSTREAM_ORIGIN is missing: set it to the upstream origin, e.g. http://127.0.0.1:8000.');
const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

const server = createServer((incoming, outgoing) => {
  if (incoming.method === 'GET' && incoming.url === '/health') {
    outgoing.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }

  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => {
    forward(incoming.url ?? '/', incoming.headers['content-type'], Buffer.concat(chunks), outgoing).catch((error: unknown) => {
      // A reply already under way can only be cut off; otherwise the client gets a plain 502.
      if (outgoing.headersSent) outgoing.destroy();
      else outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream request failed: ${String(error)}`);
    });
  });
});

async function forward(path: string, contentType: string | undefined, body: Buffer, outgoing: ServerResponse): Promise<void> {
  const reply = await request(`${upstream}${path}`, { method: 'POST', headers: { 'content-type': contentType ?? 'application/json' }, body, dispatcher });
  const replyType = reply.headers['content-type'];
  outgoing.writeHead(reply.statusCode, typeof replyType === 'string' ? { 'content-type': replyType } : {});
  await pipeline(reply.body, outgoing);
}

server.listen(Number(process.env.PORT ?? 8788), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  void dispatcher.close();
});
