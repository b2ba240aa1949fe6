import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { LocalMetricsStore } from '../metrics/metrics-store.js';
import { openaiErrorHandler } from '../middleware/on-error/index.js';
import { silentLogger } from '../log/logger.js';
import { metricsRoutes } from './metrics-routes.js';

const TOKEN = 'admin-token-for-metrics-routes';

function app(adminToken: string | undefined, now = () => Date.UTC(2026, 0, 1)): Hono {
  const hono = new Hono();
  hono.onError(openaiErrorHandler({ logger: silentLogger }));
  hono.route('/', metricsRoutes({ store: new LocalMetricsStore(), adminToken, now }));
  return hono;
}

describe('metricsRoutes', () => {
  it('returns 404 for every route without an admin token', async () => {
    const hono = app(undefined);

    for (const path of ['/metrics', '/admin/metrics', '/dashboard']) {
      expect((await hono.request(path)).status, path).toBe(404);
    }
  });

  it('shows the login form without a session', async () => {
    const response = await app(TOKEN).request('/dashboard');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('action="/dashboard/login"');
  });

  it('rejects a wrong token at login', async () => {
    const response = await app(TOKEN).request('/dashboard/login', { method: 'POST', body: new URLSearchParams({ token: 'wrong' }) });

    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('expires the session cookie', async () => {
    let now = Date.UTC(2026, 0, 1);
    const hono = app(TOKEN, () => now);
    const login = await hono.request('/dashboard/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;

    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await hono.request('/dashboard/data', { headers: { cookie } })).status).toBe(200);

    now += 13 * 60 * 60 * 1000;
    expect((await hono.request('/dashboard/data', { headers: { cookie } })).status).toBe(401);
  });

  it('does not accept the cookie for the admin API', async () => {
    const hono = app(TOKEN);
    const login = await hono.request('/dashboard/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;

    expect((await hono.request('/admin/metrics', { headers: { cookie } })).status).toBe(401);
    expect((await hono.request('/admin/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('serves the script and stylesheet', async () => {
    const hono = app(TOKEN);

    expect((await hono.request('/dashboard/app.js')).headers.get('content-type')).toContain('text/javascript');
    expect((await hono.request('/dashboard/app.css')).headers.get('content-type')).toContain('text/css');
  });
});
