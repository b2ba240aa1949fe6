import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { createJsonLogger, type Logger } from '../../log/logger.js';
import { accessLog } from './index.js';

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createJsonLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}

describe('accessLog', () => {
  it('logs one line per request', async () => {
    const { logger, lines } = capturingLogger();
    type TenantEnv = { Variables: { tenant: string } };
    const app = new Hono<TenantEnv>();
    app.use(async (c, next) => {
      c.set('tenant', 'acme');
      await next();
    });
    app.use(accessLog<TenantEnv>({ logger, fields: (c) => ({ tenant: c.var.tenant }) }));
    app.get('/items/:id', (c) => c.text('ok'));

    await app.request('/items/7');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, method: 'GET', path: '/items/7', route: '/items/:id', status: 200, tenant: 'acme', msg: 'request completed' });
    expect(lines[0]?.latencyMs).toEqual(expect.any(Number));
  });

  it('logs server errors at warn level', async () => {
    const { logger, lines } = capturingLogger();
    const app = new Hono();
    app.use(accessLog({ logger }));
    app.get('/broken', (c) => c.text('no', 503));

    await app.request('/broken');

    expect(lines[0]).toMatchObject({ level: 40, status: 503 });
  });

  it('sees the status set by the error handler', async () => {
    const { logger, lines } = capturingLogger();
    const app = new Hono();
    app.use(accessLog({ logger }));
    app.get('/throws', () => {
      throw new Error('boom');
    });
    app.onError((_error, c) => c.text('handled', 500));

    await app.request('/throws');

    expect(lines[0]).toMatchObject({ status: 500 });
  });

  it('rejects invalid options', () => {
    expect(() => accessLog({ logger: undefined as unknown as Logger })).toThrow(/options.logger must be a Logger/);
    expect(() => accessLog({ logger: createJsonLogger(), fields: 'requestId' as never })).toThrow(/options.fields must be a function/);
    expect(() => accessLog({ logger: createJsonLogger(), message: '' })).toThrow(/options.message must be a non-empty string/);
  });
});
