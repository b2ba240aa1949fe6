import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { silentLogger } from '../../log/logger.js';
import type { ApiKeyRecord } from '../../tenancy/types.js';
import { MemoryUsageStore } from '../../tenancy/usage-store.js';
import type { TenancyVariables } from '../../tenancy/variables.js';
import { BILLED_TOKENS_HEADER } from '../cache/index.js';
import type { GenerationRequest } from '../limits/request-measures.js';
import { openaiErrorHandler } from '../on-error/index.js';
import { usageLimits, type SpendRecord } from './index.js';

const KEY: ApiKeyRecord = {
  id: 'key_1',
  tenantId: 'acme',
  name: '',
  hash: 'h',
  displayPrefix: '',
  models: null,
  limits: { budgetUsd: 1 },
  createdAt: '2026-01-01T00:00:00.000Z',
  revokedAt: null,
};

/** One dollar per thousand tokens, prompt and completion alike. */
const PRICES = { m: { prompt: 1_000, completion: 1_000 } };

function appReturning(handler: () => Response) {
  const store = new MemoryUsageStore();
  const spends: SpendRecord[] = [];
  const app = new Hono<{ Variables: TenancyVariables & { openaiRequest?: GenerationRequest } }>();
  app.onError(openaiErrorHandler({ logger: silentLogger }));
  app.post(
    '/',
    async (c, next) => {
      c.set('tenant', { id: KEY.tenantId });
      c.set('apiKey', KEY);
      c.set('openaiRequest', { model: 'm', prompt: 'abcdef', max_tokens: 100 });
      await next();
    },
    usageLimits({ store, prices: PRICES, defaultCompletionTokens: 16, logger: silentLogger, onSettled: (record) => spends.push(record) }),
    handler,
  );
  return { app, store, spends };
}

describe('usageLimits', () => {
  it('charges the reported usage', async () => {
    const { app, store, spends } = appReturning(() => Response.json({ usage: { prompt_tokens: 3, completion_tokens: 7 } }));
    await (await app.request('/', { method: 'POST' })).text();

    expect(spends[0]).toMatchObject({ costUsd: 0.01, estimated: false });
    expect(await store.spent(KEY.id)).toBeCloseTo(0.01, 10);
  });

  it('charges the estimate without usage', async () => {
    const { app, spends } = appReturning(() => Response.json({ choices: [] }));
    await (await app.request('/', { method: 'POST' })).text();

    // Six characters estimate two prompt tokens, plus max_tokens 100.
    expect(spends[0]).toMatchObject({ usage: { prompt_tokens: 2, completion_tokens: 100 }, estimated: true });
    expect(spends[0]?.costUsd).toBeCloseTo(0.102, 10);
  });

  it('charges nothing for an error', async () => {
    const { app, spends } = appReturning(() => Response.json({ error: {} }, { status: 502 }));
    await app.request('/', { method: 'POST' });

    expect(spends[0]).toMatchObject({ costUsd: 0, estimated: false });
  });

  it('charges nothing for a cache hit', async () => {
    const { app, spends } = appReturning(() => Response.json({ usage: { prompt_tokens: 3, completion_tokens: 7 } }, { headers: { [BILLED_TOKENS_HEADER]: '0' } }));
    await (await app.request('/', { method: 'POST' })).text();

    expect(spends[0]?.costUsd).toBe(0);
  });

  it('releases the reservation of a failed request', async () => {
    const { app } = appReturning(() => Response.json({ error: {} }, { status: 502 }));
    // Each reservation estimates $0.102; ten failed requests would exceed the $1 budget if kept.
    for (let index = 0; index < 12; index += 1) expect((await app.request('/', { method: 'POST' })).status).toBe(502);
  });

  it('rejects invalid options', () => {
    expect(() => usageLimits({ store: new MemoryUsageStore(), prices: {}, defaultCompletionTokens: 0, logger: silentLogger })).toThrow(/defaultCompletionTokens/);
  });
});
