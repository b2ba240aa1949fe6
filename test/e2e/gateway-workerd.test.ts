/**
 * End to end over real HTTP on loopback: the official `openai` client calls the gateway Worker
 * running in workerd (wrangler's `unstable_startWorker`), which calls backends on loopback: the
 * test double in mock-backend.ts and the project's real stories260K backend.
 *
 * Every response body and stream chunk the client receives is checked against OpenAI's
 * published schemas.
 */

import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import path from 'node:path';

import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';

import { findClosedPort } from './closed-port.js';
import { startMockBackend, MOCK_STORY, STREAM_CHUNK_INTERVAL_MS, type MockBackend } from './mock-backend.js';
import { startRealBackend, STORIES_DIR, STORIES_MODEL_ID, type RealBackend } from './real-backend.js';
import { expectMatchesSchema } from './spec-assertions.js';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

const SLOW_BACKEND_TIMEOUT_MS = 300;

let mock: MockBackend;
let real: RealBackend;
let worker: Worker;
let gatewayURL: string;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockBackend({ slowDelayMs: 3_000 });
  real = await startRealBackend();

  const backends = [
    { name: 'mock', baseURL: `${mock.origin}/ok/v1`, models: ['mock-model'] },
    { name: 'overloaded', baseURL: `${mock.origin}/overloaded/v1`, models: ['busy-model'] },
    { name: 'slow', baseURL: `${mock.origin}/slow/v1`, models: ['slow-model'], firstByteTimeoutMs: SLOW_BACKEND_TIMEOUT_MS },
    { name: 'stopped', baseURL: `http://127.0.0.1:${await findClosedPort()}/v1`, models: ['stopped-model'] },
    { name: 'local', baseURL: real.baseURL, models: [STORIES_MODEL_ID] },
  ];

  worker = await unstable_startWorker({
    config: path.resolve('wrangler.toml'),
    bindings: {
      BACKENDS: { type: 'plain_text', value: JSON.stringify(backends) },
      LOG_LEVEL: { type: 'plain_text', value: 'error' },
    },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'error' },
    sendMetrics: false,
  });
  await worker.ready;
  gatewayURL = (await worker.url).href.replace(/\/$/, '');

  client = new OpenAI({ baseURL: `${gatewayURL}/v1`, apiKey: 'unused-by-the-gateway', maxRetries: 0, timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  await real?.close();
  await mock?.close();
}, 30_000);

/** Runs `call`, expects an OpenAI APIError, and checks its body against ErrorResponse. */
async function expectApiError(call: () => Promise<unknown>, status: number): Promise<APIError> {
  const error = await call().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  expect(error).toBeInstanceOf(APIError);
  const apiError = error as APIError;
  expect(apiError.status).toBe(status);
  expectMatchesSchema('ErrorResponse', { error: apiError.error });
  return apiError;
}

describe('gateway in workerd with the mock backend', () => {
  it('lists models', async () => {
    const models = [];
    for await (const model of client.models.list()) {
      expectMatchesSchema('ListModelsResponse', { object: 'list', data: [model] });
      models.push(model.id);
    }

    expect(models).toEqual(['mock-model', 'busy-model', 'slow-model', 'stopped-model', STORIES_MODEL_ID]);
  });

  it('returns a non-streaming completion', async () => {
    const completion = await client.completions.create({ model: 'mock-model', prompt: 'Once', max_tokens: 5 });

    expectMatchesSchema('CreateCompletionResponse', completion);
    expect(completion.choices[0]?.text).toBe('Once upon a time there');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it('streams a completion without buffering', async () => {
    const stream = await client.completions.create({ model: 'mock-model', prompt: 'Once', max_tokens: 8, stream: true });

    const arrivals: number[] = [];
    const chunks = [];
    for await (const chunk of stream) {
      arrivals.push(performance.now());
      expectMatchesSchema('CreateCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }

    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('')).toBe(MOCK_STORY.split(' ').slice(0, 8).join(' '));
    expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
    // The backend writes one chunk every STREAM_CHUNK_INTERVAL_MS, so a buffered stream would
    // deliver them all at once.
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(STREAM_CHUNK_INTERVAL_MS * 4);
  });

  it('returns a chat completion', async () => {
    const completion = await client.chat.completions.create({
      model: 'mock-model',
      messages: [
        { role: 'system', content: 'You tell short stories.' },
        { role: 'user', content: 'Tell me one.' },
      ],
      max_tokens: 4,
    });

    expectMatchesSchema('CreateChatCompletionResponse', completion);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Once upon a time' });
  });

  it('streams a chat completion', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'Tell me one.' }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });

    const chunks = [];
    for await (const chunk of stream) {
      expectMatchesSchema('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }

    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Once upon a time');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(4);
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await fetch(`${gatewayURL}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "mock-model", "prompt": "Once"',
    });
    const body = (await response.json()) as { error: { code: string } };

    expect(response.status).toBe(400);
    expectMatchesSchema('ErrorResponse', body);
    expect(body.error.code).toBe('invalid_json');
  });

  it('reuses the connection after a chunked 413', async () => {
    // One keep-alive socket, so the second request reuses the connection of the rejected one.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { hostname, port } = new URL(gatewayURL);
    const send = (write: (request: ClientRequest) => void, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const request = httpRequest({ hostname, port, path: '/v1/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.setTimeout(20_000, () => request.destroy(new Error('timed out')));
        request.on('error', reject);
        write(request);
      });

    try {
      // Without a content-length, the body is sent chunked: 2 MiB against the 1 MiB default limit.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const rejected = await send((request) => {
        for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) request.write(chunk);
        request.end();
      }, {});
      const body = JSON.stringify({ model: 'mock-model', prompt: 'Once' });
      const next = await send((request) => request.end(body), { 'content-length': String(Buffer.byteLength(body)) });

      expect(rejected.status).toBe(413);
      expect((JSON.parse(rejected.body) as { error: { code: string } }).error.code).toBe('request_too_large');
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('rejects a missing model with 400', async () => {
    const error = await expectApiError(() => client.completions.create({ prompt: 'Once' } as unknown as OpenAI.CompletionCreateParamsNonStreaming), 400);

    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe('model');
  });

  it('rejects negative max_tokens with 400', async () => {
    const error = await expectApiError(() => client.completions.create({ model: 'mock-model', prompt: 'Once', max_tokens: -1 }), 400);

    expect(error.param).toBe('max_tokens');
    expect(error.message).toContain('minimum');
  });

  it('rejects an unknown model with 404', async () => {
    const error = await expectApiError(() => client.completions.create({ model: 'no-such-model', prompt: 'Once' }), 404);

    expect(error.code).toBe('model_not_found');
  });

  it('maps a stopped backend to 502', async () => {
    const error = await expectApiError(() => client.completions.create({ model: 'stopped-model', prompt: 'Once' }), 502);

    expect(error.code).toBe('backend_unreachable');
  });

  it('maps an overloaded backend to 503', async () => {
    const error = await expectApiError(() => client.completions.create({ model: 'busy-model', prompt: 'Once' }), 503);

    expect(error.code).toBe('backend_overloaded');
    expect(error.headers?.get('retry-after')).toBe('7');
  });

  it('maps a slow backend to 504', async () => {
    const error = await expectApiError(() => client.completions.create({ model: 'slow-model', prompt: 'Once' }), 504);

    expect(error.code).toBe('backend_timeout');
  });
});

describe('gateway in workerd with the real stories260K backend', () => {
  // "Once upon a time" is BOS plus 4 tokens. llama2.c's run.c prints 256 steps in total, so the
  // reference holds 252 generated tokens. run.c ends its output with a newline of its own.
  const PROMPT = 'Once upon a time';
  const COMPLETION_TOKENS = 252;

  async function reference(): Promise<string> {
    return readFile(path.join(STORIES_DIR, 'greedy-once-upon-a-time-256.txt'), 'utf8');
  }

  it('matches the greedy reference', async () => {
    const completion = await client.completions.create({ model: STORIES_MODEL_ID, prompt: PROMPT, max_tokens: COMPLETION_TOKENS, temperature: 0 });

    expectMatchesSchema('CreateCompletionResponse', completion);
    expect(`${PROMPT}${completion.choices[0]?.text}\n`).toBe(await reference());
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: COMPLETION_TOKENS, total_tokens: 5 + COMPLETION_TOKENS });
  }, 60_000);

  it('matches the greedy reference when streaming', async () => {
    const stream = await client.completions.create({
      model: STORIES_MODEL_ID,
      prompt: PROMPT,
      max_tokens: COMPLETION_TOKENS,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });

    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expectMatchesSchema('CreateCompletionStreamResponse', chunk);
      text += chunk.choices.map((choice) => choice.text).join('');
      usage = chunk.usage ?? usage;
    }

    expect(`${PROMPT}${text}\n`).toBe(await reference());
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: COMPLETION_TOKENS, total_tokens: 5 + COMPLETION_TOKENS });
  }, 60_000);
});
