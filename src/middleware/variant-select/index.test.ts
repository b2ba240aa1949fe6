import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { seededRandom } from '../../variants/random.js';
import { VariantRouter } from '../../variants/variant-router.js';
import { variantSelect, type VariantSelectVariables } from './index.js';

describe('variantSelect', () => {
  it('sets the chosen variant of a split model', async () => {
    const router = new VariantRouter({ variants: new Map([['m', ['fp16', 'q4']], ['solo', ['default']]]), policies: new Map(), costPerToken: () => undefined, random: seededRandom(3) });
    const app = new Hono<{ Variables: VariantSelectVariables }>();
    app.use(async (c, next) => {
      c.set('openaiRequest', { model: c.req.query('model') ?? '' });
      await next();
    });
    app.use(variantSelect({ router }));
    app.get('/', (c) => c.text(c.var.variant ?? 'none'));

    expect(['fp16', 'q4']).toContain(await (await app.request('/?model=m')).text());
    expect(await (await app.request('/?model=solo')).text()).toBe('default');
    expect(await (await app.request('/?model=other')).text()).toBe('none');
  });

  it('rejects a missing router', () => {
    expect(() => variantSelect({ router: undefined as never })).toThrow(/options.router must be a VariantRouter/);
  });
});
