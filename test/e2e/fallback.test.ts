/**
 * Fallback end to end over loopback HTTP: the official `openai` client calls the Node gateway with
 * authentication on, in front of two backends for one model. One backend is down from the start,
 * and later the other one is stopped and replaced by a new one, so every request must be served
 * by whichever backend is up or fail with a clean OpenAI error.
 */

import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';
import { findClosedPort } from './closed-port.js';
import { MOCK_STORY, startMockBackend, type MockBackend } from './mock-backend.js';
import { expectMatchesSchema } from './spec-assertions.js';

const ADMIN_TOKEN = 'fallback-admin-token-0123456789';

let backend: MockBackend;
let backendStopped = false;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  backend = await startMockBackend();
  const closedPort = await findClosedPort();

  gateway = await startNodeGateway({
    variables: {
      BACKENDS: JSON.stringify([
        { name: 'down', baseURL: `http://127.0.0.1:${closedPort}/v1`, models: ['mock-model'] },
        { name: 'up', baseURL: `${backend.origin}/ok/v1`, models: ['mock-model'] },
      ]),
      AUTH: 'on',
      ADMIN_TOKEN,
      RETRY_BASE_DELAY_MS: '5',
      CIRCUIT_FAILURE_THRESHOLD: '2',
      CIRCUIT_COOL_DOWN_MS: '60000',
    },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });

  const created = await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant_id: 'fallback-tenant', models: ['mock-model'] }),
  });
  const { key } = (await created.json()) as { key: string };
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gateway?.close();
  if (!backendStopped) await backend?.close();
});

describe('fallback between backends', () => {
  it('serves every request while one backend is down', async () => {
    for (let index = 0; index < 6; index += 1) {
      const completion = await client.completions.create({ model: 'mock-model', prompt: `request ${index}`, max_tokens: 3 });
      expectMatchesSchema('CreateCompletionResponse', completion);
      expect(completion.choices[0]?.text).toBe(MOCK_STORY.split(' ').slice(0, 3).join(' '));
    }
  });

  it('streams through the backend that is up', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';

    expect(text).toBe(MOCK_STORY.split(' ').slice(0, 4).join(' '));
  });

  it('fails cleanly when every backend is down', async () => {
    await backend.close();
    backendStopped = true;

    const error = await client.completions.create({ model: 'mock-model', prompt: 'x', max_tokens: 2 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(APIError);
    const apiError = error as APIError;
    expect([502, 503]).toContain(apiError.status);
    expectMatchesSchema('ErrorResponse', { error: apiError.error });
  });

  it('rejects a model outside the allowlist', async () => {
    const error = await client.completions.create({ model: 'other-model', prompt: 'x' }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(403);
  });
});
