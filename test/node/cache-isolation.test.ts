/**
 * Tenant isolation of the result cache: two tenants with their own API keys send identical and
 * paraphrased prompts through the Node gateway with the semantic cache on. Each tenant may hit
 * its own entries, but never the other tenant's; every first request of a tenant must reach the
 * backend.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';
import { CACHE_STATUS_HEADER } from '../../src/middleware/cache/index.js';
import { startMockBackend, type MockBackend } from '../e2e/mock-backend.js';

const ADMIN_TOKEN = 'cache-isolation-admin-token-0123';
const PROMPT = 'Tell me a story about a brave little cat who finds a red ball.';
const PARAPHRASE = 'tell me a story about a brave little cat who finds a red ball';

let backend: MockBackend;
let gateway: RunningGateway;
const keys: Record<'alpha' | 'beta', string> = { alpha: '', beta: '' };
let sequence = 0;

beforeAll(async () => {
  backend = await startMockBackend();
  gateway = await startNodeGateway({
    variables: {
      BACKENDS: JSON.stringify([{ name: 'mock', baseURL: `${backend.origin}/ok/v1`, models: ['mock-model'] }]),
      AUTH: 'on',
      ADMIN_TOKEN,
      RESULT_CACHE: 'semantic',
    },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });

  for (const tenant of ['alpha', 'beta'] as const) {
    const response = await fetch(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ tenant_id: tenant }),
    });
    keys[tenant] = ((await response.json()) as { key: string }).key;
  }
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

interface Answer {
  cacheStatus: string | null;
  reachedBackend: boolean;
}

async function ask(tenant: 'alpha' | 'beta', content: string): Promise<Answer> {
  sequence += 1;
  const requestId = `isolation-${tenant}-${sequence}`;
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[tenant]}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content }], max_tokens: 5, temperature: 0 }),
  });
  expect(response.status).toBe(200);
  await response.json();

  const recorded = await fetch(`${backend.origin}/_recorded?requestId=${requestId}`);
  return { cacheStatus: response.headers.get(CACHE_STATUS_HEADER), reachedBackend: ((await recorded.json()) as unknown[]).length > 0 };
}

describe('cache isolation between tenants', () => {
  it('never serves one tenant from another tenant\'s entries', async () => {
    const alphaFirst = await ask('alpha', PROMPT);
    expect(alphaFirst).toEqual({ cacheStatus: 'miss', reachedBackend: true });

    // The cache works within a tenant, so the misses below are due to isolation.
    const alphaRepeat = await ask('alpha', PROMPT);
    expect(alphaRepeat).toEqual({ cacheStatus: 'hit', reachedBackend: false });

    const betaSame = await ask('beta', PROMPT);
    expect(betaSame).toEqual({ cacheStatus: 'miss', reachedBackend: true });

    const betaParaphrase = await ask('beta', PARAPHRASE);
    expect(betaParaphrase.cacheStatus).not.toBe('miss');
    expect(betaParaphrase.reachedBackend).toBe(false);
  });

  it('keeps paraphrases within the tenant', async () => {
    const prompt = 'Write a short poem about the moon over a quiet sea.';
    const paraphrase = 'write a short poem about the moon over a quiet sea';

    await ask('alpha', prompt);
    const alphaParaphrase = await ask('alpha', paraphrase);
    expect(alphaParaphrase.cacheStatus).toBe('semantic-hit');

    const betaParaphrase = await ask('beta', paraphrase);
    expect(betaParaphrase).toEqual({ cacheStatus: 'miss', reachedBackend: true });
  });
});
