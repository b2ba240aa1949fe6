/**
 * Metrics routes: `GET /metrics` (Prometheus text format), `GET /admin/metrics?window=1h`
 * (JSON summary) and the dashboard at `/dashboard`. Each needs the admin token, as a bearer token
 * or, for the dashboard and its data, as the session cookie that the login form sets.
 */

import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';

import { DASHBOARD_HTML, loginHtml } from '../../edge/dashboard/dashboard-page.js';
import { DASHBOARD_SCRIPT } from '../../edge/dashboard/dashboard-script.js';
import { DASHBOARD_STYLES } from '../../edge/dashboard/dashboard-styles.js';
import { createSessionValue, hasAdminBearer, hasAdminSession, SESSION_COOKIE, SESSION_SECONDS } from '../metrics/admin-access.js';
import type { MetricsStore } from '../metrics/metrics-store.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus.js';
import { parseWindow } from '../metrics/window-summary.js';
import { ApiError, invalidRequest } from '../openai/errors.js';
import { secretsEqual } from '../tenancy/api-keys.js';

export interface MetricsRoutesOptions {
  store: MetricsStore;
  /** The admin token; when undefined or empty every route here returns 404. */
  adminToken: string | undefined;
  /** Milliseconds since the Unix epoch; replaceable in tests. */
  now?: () => number;
}

/**
 * Creates the metrics and dashboard routes as a Hono app to mount at the root.
 *
 * @example
 * app.route('/', metricsRoutes({ store, adminToken: settings.adminToken }));
 */
export function metricsRoutes(options: MetricsRoutesOptions): Hono {
  const { store } = options;
  if (typeof store?.summarize !== 'function') throw new TypeError('metricsRoutes: options.store must be a MetricsStore.');
  const adminToken = options.adminToken === '' ? undefined : options.adminToken;
  const now = options.now ?? Date.now;
  const app = new Hono();

  const requireBearer = async (c: Context): Promise<void> => {
    const token = requireEnabled(adminToken);
    if (!(await hasAdminBearer(c, token))) throw invalidAdminToken();
  };
  const isSignedIn = async (c: Context): Promise<boolean> => {
    const token = requireEnabled(adminToken);
    return (await hasAdminBearer(c, token)) || (await hasAdminSession(c, token, now()));
  };

  app.get('/metrics', async (c) => {
    await requireBearer(c);
    return c.body(await store.prometheus(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
  });

  app.get('/admin/metrics', async (c) => {
    await requireBearer(c);
    return c.json(await store.summarize(readWindow(c)), 200, { 'cache-control': 'no-store' });
  });

  app.get('/dashboard', async (c) => {
    if (!(await isSignedIn(c))) return c.html(loginHtml(), 200, { 'cache-control': 'no-store' });
    return c.html(DASHBOARD_HTML, 200, { 'cache-control': 'no-store' });
  });

  app.get('/dashboard/data', async (c) => {
    if (!(await isSignedIn(c))) throw invalidAdminToken();
    return c.json(await store.summarize(readWindow(c)), 200, { 'cache-control': 'no-store' });
  });

  app.post('/dashboard/login', async (c) => {
    const token = requireEnabled(adminToken);
    const form = await c.req.parseBody();
    const given = typeof form.token === 'string' ? form.token : '';
    if (given === '' || !(await secretsEqual(given, token))) return c.html(loginHtml('The admin token is invalid.'), 401);

    setCookie(c, SESSION_COOKIE, await createSessionValue(token, now()), {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect('/dashboard', 303);
  });

  app.post('/dashboard/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/dashboard', 303);
  });

  // The script and stylesheet contain no data, so they are served without a session.
  app.get('/dashboard/app.js', (c) => c.body(DASHBOARD_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/dashboard/app.css', (c) => c.body(DASHBOARD_STYLES, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));

  return app;
}

function readWindow(c: Context): { name: string; minutes: number } {
  try {
    return parseWindow(c.req.query('window'));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw invalidRequest(error.message, 'window', 'invalid_window');
  }
}

function requireEnabled(adminToken: string | undefined): string {
  if (adminToken === undefined) {
    throw new ApiError('The admin API is disabled; set ADMIN_TOKEN to enable it.', { status: 404, type: 'not_found_error', code: 'admin_api_disabled' });
  }
  return adminToken;
}

function invalidAdminToken(): ApiError {
  return new ApiError('The admin token is missing or invalid.', {
    status: 401,
    type: 'authentication_error',
    code: 'invalid_admin_token',
    headers: { 'www-authenticate': 'Bearer' },
  });
}
