/**
 * Tenancy behaviour of the gateway app (API keys, admin API, model allowlist, rate limits,
 * budgets, request limits), written once and run twice: with the in-process stores in Node
 * (test/node/tenancy-gateway.test.ts) and with the Durable Object stores inside workerd
 * (test/workerd/tenancy.test.ts).
 *
 * The backend is a fetch function in the test that reports `usage` of 10 prompt tokens and
 * `max_tokens` completion tokens, so costs are exact.
 */

import { describe, expect, it } from 'vitest';

import { createGateway, type GatewayOptions } from '../../src/gateway/create-gateway.js';
import type { FetchFunction } from '../../src/gateway/forward.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SpendRecord } from '../../src/middleware/rate-limit/index.js';
import type { KeyStore } from '../../src/tenancy/types.js';
import type { UsageStore } from '../../src/tenancy/usage-store.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** US dollars per million tokens: one tenth of a cent per token, so costs are easy to check. */
const PRICE_PER_MILLION = 1_000;
const PROMPT_TOKENS = 10;

export interface TenancyStores {
  keyStore: KeyStore;
  usageStore: UsageStore;
}

type App = ReturnType<typeof createGateway>;

interface CreatedKey {
  id: string;
  key: string;
  tenantId: string;
}

/** Serves completions with a usage of 10 prompt tokens and `max_tokens` completion tokens. */
const fakeBackend: FetchFunction = async (_url, init) => {
  const body = JSON.parse(String(init.body)) as { model: string; max_tokens?: number; stream?: boolean };
  const completionTokens = body.max_tokens ?? 16;
  const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens };

  if (body.stream === true) {
    const events = [
      ': ping\n\n',
      `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: body.model, choices: [{ text: ' é🐱', index: 0, logprobs: null, finish_reason: 'length' }] })}\n\n`,
      `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: body.model, choices: [], usage })}\n\n`,
      'data: [DONE]\n\n',
    ].join('');
    return new Response(events, { headers: { 'content-type': 'text/event-stream' } });
  }

  return Response.json({
    id: 'c1',
    object: 'text_completion',
    created: 1,
    model: body.model,
    choices: [{ text: ' there', index: 0, logprobs: null, finish_reason: 'length' }],
    usage,
  });
};

function createApp(stores: TenancyStores, spends: SpendRecord[]): App {
  const options: GatewayOptions = {
    backends: [{ name: 'fake', baseURL: 'http://backend.test/v1', models: ['m1', 'm2'] }],
    logger: silentLogger,
    fetch: fakeBackend,
    limits: { maxMessages: 4, maxTokens: 64, maxPromptCharacters: 100 },
    tenancy: {
      auth: 'on',
      adminToken: ADMIN_TOKEN,
      prices: { m1: { prompt: PRICE_PER_MILLION, completion: PRICE_PER_MILLION } },
      ...stores,
      onSettled: (record) => spends.push(record),
    },
  };
  return createGateway(options);
}

function completion(app: App, key: string | undefined, body: Record<string, unknown>): Promise<Response> {
  return Promise.resolve(
    app.request('/v1/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
      body: JSON.stringify({ model: 'm1', prompt: 'Once', max_tokens: 10, ...body }),
    }),
  );
}

function admin(app: App, method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<Response> {
  return Promise.resolve(
    app.request(`/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

async function createKey(app: App, body: Record<string, unknown>): Promise<CreatedKey> {
  const response = await admin(app, 'POST', '/keys', body);
  expect(response.status).toBe(201);
  const created = (await response.json()) as { id: string; key: string; tenant_id?: string; tenantId: string };
  return { id: created.id, key: created.key, tenantId: created.tenantId };
}

async function expectError(response: Response, status: number, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject(fields);
  return body.error;
}

let tenantCounter = 0;
function uniqueTenant(): string {
  tenantCounter += 1;
  return `tenant-${tenantCounter}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Registers the tenancy tests; `stores` returns fresh or shared stores for each test. */
export function describeTenancy(name: string, stores: () => TenancyStores): void {
  describe(name, () => {
    it('rejects a missing key with 401', async () => {
      const app = createApp(stores(), []);
      const response = await completion(app, undefined, {});

      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      await expectError(response, 401, { type: 'authentication_error', code: 'missing_api_key' });
    });

    it('rejects an unknown key with 401', async () => {
      const app = createApp(stores(), []);
      await expectError(await completion(app, 'sk-slim-not-a-real-key', {}), 401, { code: 'invalid_api_key' });
    });

    it('requires the admin token', async () => {
      const app = createApp(stores(), []);
      await expectError(await admin(app, 'GET', '/keys', undefined, 'wrong-token-wrong-token'), 401, { code: 'invalid_admin_token' });
      await expectError(await admin(app, 'POST', '/keys', { tenant_id: 'bad tenant id' }), 400, { param: 'tenant_id' });
    });

    it('creates a key shown once', async () => {
      const app = createApp(stores(), []);
      const tenant = uniqueTenant();
      const created = await createKey(app, { tenant_id: tenant, name: 'ci' });

      expect(created.key).toMatch(/^sk-slim-/);
      const response = await completion(app, created.key, {});
      expect(response.status).toBe(200);

      const listing = await (await admin(app, 'GET', '/keys')).text();
      expect(listing).toContain(created.id);
      expect(listing).not.toContain(created.key);
      expect(listing).not.toContain('"hash"');
    });

    it('sets the tenant and settles cost', async () => {
      const spends: SpendRecord[] = [];
      const app = createApp(stores(), spends);
      const tenant = uniqueTenant();
      const created = await createKey(app, { tenant_id: tenant });

      const response = await completion(app, created.key, { max_tokens: 5 });
      await response.text();

      expect(spends).toEqual([
        { tenantId: tenant, keyId: created.id, model: 'm1', usage: { prompt_tokens: 10, completion_tokens: 5 }, costUsd: 0.015, estimated: false, keySpentUsd: 0.015 },
      ]);
      const listing = (await (await admin(app, 'GET', '/keys')).json()) as { data: { id: string; spentUsd: number }[] };
      expect(listing.data.find((key) => key.id === created.id)?.spentUsd).toBeCloseTo(0.015, 10);
    });

    it('settles a stream from its usage chunk', async () => {
      const spends: SpendRecord[] = [];
      const app = createApp(stores(), spends);
      const created = await createKey(app, { tenant_id: uniqueTenant() });

      const response = await completion(app, created.key, { max_tokens: 7, stream: true, stream_options: { include_usage: true } });
      const text = await response.text();

      expect(text).toContain(' é🐱');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(spends[0]?.usage).toEqual({ prompt_tokens: 10, completion_tokens: 7 });
      expect(spends[0]?.costUsd).toBeCloseTo(0.017, 10);
    });

    it('enforces the model allowlist', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant(), models: ['m1'] });

      expect((await completion(app, created.key, { model: 'm1' })).status).toBe(200);
      await expectError(await completion(app, created.key, { model: 'm2' }), 403, { type: 'permission_error', param: 'model', code: 'model_not_allowed' });

      const models = (await (await app.request('/v1/models', { headers: { authorization: `Bearer ${created.key}` } })).json()) as { data: { id: string }[] };
      expect(models.data.map((model) => model.id)).toEqual(['m1']);
    });

    it('rejects a revoked key with 403', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant() });

      const revoked = await admin(app, 'DELETE', `/keys/${created.id}`);
      expect(revoked.status).toBe(200);
      expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
      await expectError(await completion(app, created.key, {}), 403, { code: 'api_key_revoked' });
      await expectError(await admin(app, 'DELETE', '/keys/key_unknown'), 404, { code: 'key_not_found' });
    });

    it('limits requests per minute', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant(), rpm: 2 });

      expect((await completion(app, created.key, {})).status).toBe(200);
      expect((await completion(app, created.key, {})).status).toBe(200);
      const response = await completion(app, created.key, {});

      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectError(response, 429, { type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    });

    it('holds rpm under concurrency', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant(), rpm: 5 });

      const responses = await Promise.all(Array.from({ length: 20 }, () => completion(app, created.key, {})));
      const statuses = responses.map((response) => response.status);

      expect(statuses.filter((status) => status === 200)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    });

    it('limits tokens per minute', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant(), tpm: 100 });

      expect((await completion(app, created.key, { max_tokens: 60 })).status).toBe(200);
      const response = await completion(app, created.key, { max_tokens: 60 });
      expect(response.headers.get('retry-after')).not.toBeNull();
      const error = await expectError(response, 429, { code: 'rate_limit_exceeded' });
      expect(error.message).toContain('tokens per minute');
    });

    it('stops at the budget', async () => {
      const app = createApp(stores(), []);
      // Each request costs $0.02 (10 prompt + 10 completion tokens at $0.001), estimated at $0.012.
      const created = await createKey(app, { tenant_id: uniqueTenant(), budget_usd: 0.05 });

      // Settlement happens when the body ends, so each body is read, as a server sending it would.
      for (let index = 0; index < 2; index += 1) {
        const response = await completion(app, created.key, {});
        expect(response.status).toBe(200);
        await response.text();
      }
      const response = await completion(app, created.key, {});

      expect(response.headers.get('retry-after')).toBeNull();
      await expectError(response, 429, { type: 'rate_limit_error', code: 'insufficient_quota' });
    });

    it('rejects requests over the limits', async () => {
      const app = createApp(stores(), []);
      const created = await createKey(app, { tenant_id: uniqueTenant() });

      await expectError(await completion(app, created.key, { max_tokens: 65 }), 400, { param: 'max_tokens', code: 'max_tokens_too_large' });
      await expectError(await completion(app, created.key, { prompt: 'x'.repeat(101) }), 400, { param: 'prompt', code: 'prompt_too_long' });

      const chat = await app.request('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${created.key}` },
        body: JSON.stringify({ model: 'm1', messages: Array.from({ length: 5 }, () => ({ role: 'user', content: 'hi' })) }),
      });
      await expectError(chat, 400, { param: 'messages', code: 'too_many_messages' });
    });
  });
}
