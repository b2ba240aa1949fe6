/**
 * Test double of an OpenAI-compatible backend on loopback, for gateway tests.
 *
 * It generates no text with a model: completions are a fixed story cut to `max_tokens` words,
 * with one "token" per word. The first path segment selects a behaviour, so one server can
 * stand behind several configured backends:
 *
 * | base URL           | behaviour                                                        |
 * | ------------------ | ---------------------------------------------------------------- |
 * | `/ok/v1`           | 200 JSON, or server-sent events when `stream` is true            |
 * | `/renamed/v1`      | like `ok`, but reports `model` as a file path                    |
 * | `/overloaded/v1`   | 503 with `Retry-After: 7` and an OpenAI error body               |
 * | `/rate-limited/v1` | 429 with `Retry-After: 3`                                        |
 * | `/rejecting/v1`    | 400 with an OpenAI error body (`context_length_exceeded`)        |
 * | `/failing/v1`      | 500 with a plain-text body                                       |
 * | `/slow/v1`         | sends headers only after `slowDelayMs`                           |
 *
 * Every generation request is recorded (at most {@link MAX_RECORDED_REQUESTS}, oldest dropped)
 * and served back by `GET /_recorded?requestId=<x-request-id>`, so tests can check what the
 * gateway forwarded.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MOCK_STORY = 'Once upon a time there was a tiny robot who loved to read stories to the moon every night.';

/** Delay between streamed chunks, in ms, so tests can see chunks arrive before the stream ends. */
export const STREAM_CHUNK_INTERVAL_MS = 60;

const MAX_RECORDED_REQUESTS = 200;

export interface RecordedRequest {
  mode: string;
  path: string;
  requestId: string | undefined;
  accept: string | undefined;
  body: Record<string, unknown>;
}

export interface MockBackend {
  /** Origin, e.g. `http://127.0.0.1:40123`; append `/<mode>/v1` for a backend base URL. */
  origin: string;
  close(): Promise<void>;
}

export interface MockBackendOptions {
  /** How long `/slow` waits before sending headers, in ms. */
  slowDelayMs?: number;
}

/** Starts the mock backend on 127.0.0.1 with a free port. */
export async function startMockBackend(options: MockBackendOptions = {}): Promise<MockBackend> {
  const slowDelayMs = options.slowDelayMs ?? 2_000;
  const recorded: RecordedRequest[] = [];

  const server = createServer((request, response) => {
    handle(request, response, recorded, slowDelayMs).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, recorded: RecordedRequest[], slowDelayMs: number): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://mock.invalid');

  if (request.method === 'GET' && url.pathname === '/_recorded') {
    const requestId = url.searchParams.get('requestId');
    sendJson(response, 200, recorded.filter((entry) => entry.requestId === requestId));
    return;
  }

  const match = /^\/([\w-]+)\/v1\/(completions|chat\/completions)$/.exec(url.pathname);
  if (request.method !== 'POST' || match === null) {
    sendJson(response, 404, openaiError(`No route for ${request.method} ${url.pathname}.`, 'invalid_request_error', null, 'unknown_url'));
    return;
  }

  const mode = match[1] as string;
  const endpoint = match[2] as string;
  const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
  const requestId = headerValue(request, 'x-request-id');
  recorded.push({ mode, path: url.pathname, requestId, accept: headerValue(request, 'accept'), body });
  if (recorded.length > MAX_RECORDED_REQUESTS) recorded.shift();

  switch (mode) {
    case 'overloaded':
      sendJson(response, 503, openaiError('The engine is currently overloaded.', 'server_error', null, null), { 'retry-after': '7' });
      return;
    case 'rate-limited':
      sendJson(response, 429, openaiError('Too many requests in flight.', 'rate_limit_error', null, null), { 'retry-after': '3' });
      return;
    case 'rejecting':
      sendJson(response, 400, openaiError('The prompt is longer than the context window.', 'invalid_request_error', 'prompt', 'context_length_exceeded'));
      return;
    case 'failing':
      response.writeHead(500, { 'content-type': 'text/plain' }).end('backend exploded');
      return;
    case 'slow': {
      const timer = setTimeout(() => sendJson(response, 200, completionBody(body, 'slow')), slowDelayMs);
      response.once('close', () => clearTimeout(timer));
      return;
    }
    default: {
      const reportedModel = mode === 'renamed' ? '/models/stories260K/model.onnx' : String(body.model);
      if (body.stream === true) await streamCompletion(response, endpoint, body, reportedModel);
      else sendJson(response, 200, endpoint === 'completions' ? completionBody(body, reportedModel) : chatCompletionBody(body, reportedModel));
    }
  }
}

interface Generation {
  words: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
}

function generate(body: Record<string, unknown>): Generation {
  const allWords = MOCK_STORY.split(' ');
  const limit = typeof body.max_tokens === 'number' ? body.max_tokens : allWords.length;
  const words = allWords.slice(0, limit).map((word, index) => (index === 0 ? word : ` ${word}`));
  const promptText = JSON.stringify(body.prompt ?? body.messages ?? '');
  return { words, finishReason: words.length < allWords.length ? 'length' : 'stop', promptTokens: promptText.split(/\s+/).length };
}

function usage(generation: Generation) {
  const completionTokens = generation.words.length;
  return { prompt_tokens: generation.promptTokens, completion_tokens: completionTokens, total_tokens: generation.promptTokens + completionTokens };
}

function completionBody(body: Record<string, unknown>, model: string) {
  const generation = generate(body);
  return {
    id: 'cmpl-mock',
    object: 'text_completion',
    created: 1_700_000_000,
    model,
    choices: [{ text: generation.words.join(''), index: 0, logprobs: null, finish_reason: generation.finishReason }],
    usage: usage(generation),
  };
}

function chatCompletionBody(body: Record<string, unknown>, model: string) {
  const generation = generate(body);
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: generation.words.join(''), refusal: null },
        logprobs: null,
        finish_reason: generation.finishReason,
      },
    ],
    usage: usage(generation),
  };
}

/** Streams one server-sent event per word, then the final chunk, optional usage, and `[DONE]`. */
async function streamCompletion(response: ServerResponse, endpoint: string, body: Record<string, unknown>, model: string): Promise<void> {
  const generation = generate(body);
  const chat = endpoint === 'chat/completions';
  const base = { id: chat ? 'chatcmpl-mock' : 'cmpl-mock', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 1_700_000_000, model };
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let closed = false;
  response.once('close', () => {
    closed = true;
  });

  const send = (chunk: unknown) => response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const choice = (text: string, finishReason: string | null, first: boolean) =>
    chat
      ? { index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, logprobs: null, finish_reason: finishReason }
      : { text, index: 0, logprobs: null, finish_reason: finishReason };

  for (const [index, word] of generation.words.entries()) {
    if (closed) return;
    send({ ...base, choices: [chat ? choice(word, null, index === 0) : { ...choice(word, null, false), finish_reason: null }] });
    await sleep(STREAM_CHUNK_INTERVAL_MS);
  }

  // The final chunk carries the finish reason; OpenAI's legacy completion schema requires a
  // string finish_reason on every choice, so there it is sent with an empty text.
  send({ ...base, choices: [choice('', generation.finishReason, false)] });
  if (includeUsage) send({ ...base, choices: [], usage: usage(generation) });
  response.end('data: [DONE]\n\n');
}

function openaiError(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
