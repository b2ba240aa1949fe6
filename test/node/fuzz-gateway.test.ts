/**
 * Property-based fuzzing of the gateway app in process (`app.request`) with fast-check. The
 * requests are malformed: broken JSON, wrong types, out-of-range values, oversized fields, missing
 * or wrong API keys. Each must get a 4xx in OpenAI's error shape, never a crash or a 5xx, and none
 * may reach the backend.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createGateway } from '../../src/gateway/create-gateway.js';
import { silentLogger } from '../../src/log/logger.js';
import { validateErrorResponse } from '../../src/openai/generated/response-validators.js';
import { MemoryKeyStore } from '../../src/tenancy/memory-key-store.js';
import { MemoryUsageStore } from '../../src/tenancy/usage-store.js';

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789';
const FUZZ_RUNS = 5_000;

interface FuzzRequest {
  path: '/v1/completions' | '/v1/chat/completions';
  body: string;
  authorization: string | undefined;
  contentType: string;
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
const wrongScalar = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.double(), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/** Bodies that are not JSON at all. */
const brokenJson = fc.string({ maxLength: 200 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});

/** JSON that is not an object. */
const notAnObject = anyJson.filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)).map((value) => JSON.stringify(value));

/** Completion requests with exactly one invalid field. */
const invalidCompletion = fc
  .oneof(
    fc.record({ field: fc.constant('model'), value: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })) }),
    fc.record({ field: fc.constant('prompt'), value: fc.oneof(fc.integer(), fc.boolean(), fc.object({ maxDepth: 1 })) }),
    fc.record({ field: fc.constant('max_tokens'), value: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 65 }), fc.string(), fc.double({ min: 0.1, max: 10, noInteger: true, noNaN: true })) }),
    fc.record({ field: fc.constant('temperature'), value: fc.oneof(fc.double({ min: 2.01, max: 1e6, noNaN: true }), fc.double({ max: -0.01, min: -1e6, noNaN: true }), fc.string()) }),
    fc.record({ field: fc.constant('n'), value: fc.oneof(fc.integer({ max: 0 }), fc.string()) }),
    fc.record({ field: fc.constant('stream'), value: fc.oneof(fc.string(), fc.integer()) }),
    fc.record({ field: fc.constant('prompt'), value: fc.string({ minLength: 101, maxLength: 300 }) }),
  )
  .map(({ field, value }) => JSON.stringify({ model: 'm1', prompt: 'Once', max_tokens: 4, [field]: value }));

/** Chat requests with invalid messages or fields. */
const invalidChat = fc
  .oneof(
    wrongScalar.map((messages) => ({ model: 'm1', messages })),
    fc.constant({ model: 'm1', messages: [] }),
    fc.record({ role: fc.string({ maxLength: 10 }).filter((role) => !['system', 'user', 'assistant', 'developer', 'tool', 'function'].includes(role)), content: fc.string() }).map((message) => ({ model: 'm1', messages: [message] })),
    fc.array(fc.constant({ role: 'user', content: 'hi' }), { minLength: 5, maxLength: 20 }).map((messages) => ({ model: 'm1', messages })),
    wrongScalar.map((content) => ({ model: 'm1', messages: [{ role: 'user' }], extra: content })),
    fc.integer({ min: 65, max: 1_000_000 }).map((maxTokens) => ({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: maxTokens })),
  )
  .map((body) => JSON.stringify(body));

/** A well-formed request for a model no backend serves. */
const unknownModel = fc.string({ minLength: 1, maxLength: 20 }).filter((model) => model !== 'm1').map((model) => JSON.stringify({ model, prompt: 'hi' }));

const malformedRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  path: fc.constantFrom('/v1/completions' as const, '/v1/chat/completions' as const),
  body: fc.oneof(brokenJson, notAnObject, invalidCompletion, invalidChat, unknownModel),
  authorization: fc.option(fc.oneof(fc.constant('valid'), fc.string({ maxLength: 30 }).map((text) => `Bearer ${text}`), fc.string({ maxLength: 30 })), { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
});

describe('gateway fuzzing', () => {
  it('answers malformed requests with OpenAI 4xx errors', async () => {
    let backendCalls = 0;
    const app = createGateway({
      backends: [{ name: 'fake', baseURL: 'http://backend.test/v1', models: ['m1'] }],
      logger: silentLogger,
      fetch: async () => {
        backendCalls += 1;
        return Response.json({});
      },
      limits: { maxMessages: 4, maxTokens: 64, maxPromptCharacters: 100 },
      tenancy: { auth: 'on', adminToken: ADMIN_TOKEN, keyStore: new MemoryKeyStore(), usageStore: new MemoryUsageStore() },
    });

    const created = await app.request('/admin/keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ tenant_id: 'fuzz' }),
    });
    const { key } = (await created.json()) as { key: string };

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(malformedRequest, async (request) => {
        const authorization = request.authorization === 'valid' ? `Bearer ${key}` : request.authorization;
        const response = await app.request(request.path, {
          method: 'POST',
          headers: { 'content-type': request.contentType, ...(authorization === undefined ? {} : { authorization }) },
          body: request.body,
        });
        const body: unknown = await response.json();

        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(validateErrorResponse(body), JSON.stringify(body)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );

    expect(backendCalls).toBe(0);
    // Each family of rejection must have been reached, or the generators are too narrow.
    for (const status of [400, 401, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(50);
  }, 120_000);
});
