import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { silentLogger } from '../../log/logger.js';
import { generateApiKey, hashApiKey } from '../../tenancy/api-keys.js';
import { MemoryKeyStore } from '../../tenancy/memory-key-store.js';
import type { TenancyVariables } from '../../tenancy/variables.js';
import { openaiErrorHandler } from '../on-error/index.js';
import { apiKeyAuth } from './index.js';

const SECRET = 'hash-secret-for-tests-0123';

async function setup(mode: 'on' | 'off') {
  const keyStore = new MemoryKeyStore();
  const key = generateApiKey();
  await keyStore.insert({
    id: 'key_1',
    tenantId: 'acme',
    name: '',
    hash: await hashApiKey(key, SECRET),
    displayPrefix: '',
    models: null,
    limits: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    revokedAt: null,
  });

  const app = new Hono<{ Variables: TenancyVariables }>();
  app.onError(openaiErrorHandler({ logger: silentLogger }));
  app.use(apiKeyAuth({ mode, keyStore, hashSecret: SECRET }));
  app.get('/', (c) => c.json({ tenant: c.var.tenant.id, key: c.var.apiKey?.id ?? null }));
  return { app, key };
}

describe('apiKeyAuth', () => {
  it('sets the tenant from a valid key', async () => {
    const { app, key } = await setup('on');
    const response = await app.request('/', { headers: { authorization: `Bearer ${key}` } });

    expect(await response.json()).toEqual({ tenant: 'acme', key: 'key_1' });
  });

  it('accepts any case of Bearer', async () => {
    const { app, key } = await setup('on');
    expect((await app.request('/', { headers: { authorization: `bearer  ${key}` } })).status).toBe(200);
  });

  it('rejects other schemes', async () => {
    const { app, key } = await setup('on');
    const response = await app.request('/', { headers: { authorization: `Basic ${key}` } });

    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
  });

  it('rejects a key hashed without the secret', async () => {
    const { app } = await setup('on');
    const other = generateApiKey();
    expect((await app.request('/', { headers: { authorization: `Bearer ${other}` } })).status).toBe(401);
  });

  it('uses the anonymous tenant when off', async () => {
    const { app } = await setup('off');
    expect(await (await app.request('/')).json()).toEqual({ tenant: 'anonymous', key: null });
  });

  it('rejects invalid options', () => {
    expect(() => apiKeyAuth({ mode: 'sometimes' as 'on' })).toThrow(/mode/);
    expect(() => apiKeyAuth({ mode: 'on' })).toThrow(/keyStore/);
  });
});
