import type { AddressInfo } from 'node:net';

import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LogFields, Logger } from '../../src/log/logger.js';
import { validateListModelsResponse } from '../../src/openai/generated/response-validators.js';
import { createBackendFixture, MODEL_ID, waitForIdle, type BackendFixture } from './testing/backend-fixture.js';

/** Keeps every log line in memory, bounded by the few requests of this file. */
function createRecordingLogger(lines: LogFields[], bindings: LogFields = {}): Logger {
  const write = (fields: LogFields, message?: string) => lines.push({ ...bindings, ...fields, msg: message });
  return { debug: write, info: write, warn: write, error: write, child: (extra) => createRecordingLogger(lines, { ...bindings, ...extra }) };
}

const logLines: LogFields[] = [];
let backend: BackendFixture;
let server: ServerType;
let baseUrl: string;

beforeAll(async () => {
  backend = await createBackendFixture({ logger: createRecordingLogger(logLines) });
  server = serve({ fetch: backend.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await backend.close();
});

describe('backend over loopback HTTP', () => {
  it('lists the model', async () => {
    const response = await fetch(`${baseUrl}/v1/models`);
    const json = (await response.json()) as { data: { id: string }[] };
    expect(validateListModelsResponse(json)).toBe(true);
    expect(json.data.map((model) => model.id)).toEqual([MODEL_ID]);
  });

  it('reports health', async () => {
    const response = await fetch(`${baseUrl}/health`);
    expect(await response.json()).toEqual({
      status: 'ok',
      model: MODEL_ID,
      execution_provider: 'cpu',
      active_model_file: expect.stringMatching(/[/\\]onnx[/\\]model\.onnx$/),
      queue: { waiting: 0, running: 0 },
    });
  });

  it('echoes and logs the request id', async () => {
    const response = await fetch(`${baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-test-42' },
      body: JSON.stringify({ model: MODEL_ID, prompt: 'Hi', max_tokens: 2 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-test-42');
    expect(logLines).toContainEqual(expect.objectContaining({ requestId: 'req-test-42', status: 200, path: '/v1/completions' }));
    expect(logLines).toContainEqual(expect.objectContaining({ requestId: 'req-test-42', prompt_tokens: backend.engine.encodePrompt('Hi').length, completion_tokens: 2 }));
  });

  it('replaces an implausible request id', async () => {
    const response = await fetch(`${baseUrl}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('aborts generation when the client disconnects', async () => {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 400, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();

    await waitForIdle(backend.engine);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'stream cancelled by the client' }));
  });

  it('aborts a non-streaming generation when the client disconnects', async () => {
    const controller = new AbortController();
    const request = fetch(`${baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 400 }),
      signal: controller.signal,
    });
    const deadline = Date.now() + 5_000;
    while (backend.engine.status().running === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(backend.engine.status().running).toBe(1);
    controller.abort();
    await expect(request).rejects.toThrow();

    await waitForIdle(backend.engine);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'request cancelled by the client' }));
  });

  it('serves the official OpenAI client', async () => {
    const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'not-checked', maxRetries: 0 });

    const completion = await client.completions.create({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
    expect(completion.choices[0]!.text).toBe(', there was a little girl');

    const stream = await client.chat.completions.create({
      model: MODEL_ID,
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      max_completion_tokens: 8,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(8);
  });
});
