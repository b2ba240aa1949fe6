/**
 * Loopback test double of backends that serve one model in several variants, for the metrics,
 * variant-split and dashboard tests. `POST /<variant>/v1/completions` and
 * `/<variant>/v1/chat/completions` return the variant's configured text after its delay,
 * as JSON with `usage`, or as server-sent events with a final usage chunk when the request sets
 * `stream_options.include_usage`. Behaviour can be changed while the server runs.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VariantBehaviour {
  /** Generated text; one "token" per whitespace-separated word. */
  text: string;
  /** Delay before the response headers, in ms. */
  delayMs: number;
  /** Delay between streamed words, in ms. */
  chunkIntervalMs?: number;
}

export interface VariantBackend {
  /** Base URL of a variant, e.g. `http://127.0.0.1:40123/int8/v1`. */
  baseURL(variant: string): string;
  behaviours: Map<string, VariantBehaviour>;
  /** Generation requests received per variant. */
  received: Map<string, number>;
  close(): Promise<void>;
}

export async function startVariantBackend(behaviours: Record<string, VariantBehaviour>): Promise<VariantBackend> {
  const state = new Map(Object.entries(behaviours));
  const received = new Map<string, number>();

  const server = createServer((request, response) => {
    handle(request, response, state, received).catch((error: unknown) => response.destroy(error instanceof Error ? error : new Error(String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: (variant) => `http://127.0.0.1:${port}/${variant}/v1`,
    behaviours: state,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, state: Map<string, VariantBehaviour>, received: Map<string, number>): Promise<void> {
  const match = /^\/([\w.-]+)\/v1\/(completions|chat\/completions)$/.exec(request.url ?? '');
  const behaviour = match === null ? undefined : state.get(match[1] as string);
  if (request.method !== 'POST' || match === null || behaviour === undefined) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `No variant route for ${request.method} ${request.url}.`, type: 'invalid_request_error', param: null, code: null } }));
    return;
  }

  const variant = match[1] as string;
  const chat = match[2] === 'chat/completions';
  received.set(variant, (received.get(variant) ?? 0) + 1);

  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;

  await sleep(behaviour.delayMs);

  const words = behaviour.text.split(' ').slice(0, typeof body.max_tokens === 'number' ? body.max_tokens : undefined);
  const promptTokens = JSON.stringify(body.prompt ?? body.messages ?? '').split(/\s+/).length;
  const usage = { prompt_tokens: promptTokens, completion_tokens: words.length, total_tokens: promptTokens + words.length };
  const base = { id: 'cmpl-variant', created: 1_700_000_000, model: String(body.model) };

  if (body.stream !== true) {
    const text = words.join(' ');
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }
      : { index: 0, text, logprobs: null, finish_reason: 'stop' };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, object: chat ? 'chat.completion' : 'text_completion', choices: [choice], usage }));
    return;
  }

  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  for (const [index, word] of words.entries()) {
    const text = index === 0 ? word : ` ${word}`;
    const choice = chat ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null } : { index: 0, text, logprobs: null, finish_reason: null };
    response.write(`data: ${JSON.stringify({ ...base, object, choices: [choice] })}\n\n`);
    await sleep(behaviour.chunkIntervalMs ?? 0);
  }
  const last = chat ? { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' } : { index: 0, text: '', logprobs: null, finish_reason: 'stop' };
  response.write(`data: ${JSON.stringify({ ...base, object, choices: [last] })}\n\n`);
  if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true) {
    response.write(`data: ${JSON.stringify({ ...base, object, choices: [], usage })}\n\n`);
  }
  response.end('data: [DONE]\n\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
