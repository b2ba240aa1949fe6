import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { silentLogger } from '../log/logger.js';
import { openaiErrorHandler } from '../middleware/on-error/index.js';
import { hashApiKey } from '../tenancy/api-keys.js';
import { MemoryKeyStore } from '../tenancy/memory-key-store.js';
import { MemoryUsageStore } from '../tenancy/usage-store.js';
import { adminKeyRoutes } from './keys-routes.js';

const TOKEN = 'admin-token-for-unit-tests-01';

function appWith(adminToken: string | undefined, keyStore = new MemoryKeyStore({ maxKeys: 2 })) {
  const app = new Hono();
  app.onError(openaiErrorHandler({ logger: silentLogger }));
  app.route('/admin', adminKeyRoutes({ keyStore, usageStore: new MemoryUsageStore(), adminToken, logger: silentLogger, now: () => new Date('2026-03-01T00:00:00Z') }));
  return { app, keyStore };
}

function create(app: Hono, body: unknown) {
  return app.request('/admin/keys', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
}

describe('admin key routes', () => {
  it('are disabled without a token', async () => {
    const { app } = appWith(undefined);
    const response = await app.request('/admin/keys', { headers: { authorization: 'Bearer anything-at-all' } });

    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('admin_api_disabled');
  });

  it('store only the hash', async () => {
    const { app, keyStore } = appWith(TOKEN);
    const response = await create(app, { tenant_id: 'acme', name: 'ci', models: ['m'], rpm: 60, tpm: 1000, budget_usd: 2.5 });
    const created = (await response.json()) as { id: string; key: string };

    expect(response.status).toBe(201);
    expect(created).toMatchObject({ tenantId: 'acme', name: 'ci', models: ['m'], limits: { rpm: 60, tpm: 1000, budgetUsd: 2.5 }, createdAt: '2026-03-01T00:00:00.000Z', revokedAt: null });
    expect(created).not.toHaveProperty('hash');
    const stored = await keyStore.get(created.id);
    expect(stored?.hash).toBe(await hashApiKey(created.key));
    expect(JSON.stringify(stored)).not.toContain(created.key);
  });

  it('validate the body', async () => {
    const { app } = appWith(TOKEN);
    const cases: [unknown, string | null][] = [
      [[], null],
      [{ tenant_id: 'acme', rpm: 1.5 }, 'rpm'],
      [{ tenant_id: 'acme', budget_usd: -1 }, 'budget_usd'],
      [{ tenant_id: 'acme', models: [] }, 'models'],
      [{ tenant_id: 'acme', colour: 'red' }, 'colour'],
    ];
    for (const [body, param] of cases) {
      const response = await create(app, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { param: string | null } }).error.param).toBe(param);
    }
  });

  it('report a full store with 409', async () => {
    const { app } = appWith(TOKEN);
    await create(app, { tenant_id: 'a' });
    await create(app, { tenant_id: 'b' });

    expect((await create(app, { tenant_id: 'c' })).status).toBe(409);
  });
});
