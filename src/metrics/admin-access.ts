/**
 * Admin access to metrics and the dashboard: the admin token as a bearer token, or a session
 * cookie that the dashboard's login form sets. The cookie contains an expiry time and its
 * HMAC-SHA256 under the admin token, so changing the token ends every session.
 */

import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

import { hashApiKey, secretsEqual } from '../tenancy/api-keys.js';

export const SESSION_COOKIE = 'slimgate_admin';

/** Lifetime of a dashboard session, in seconds. */
export const SESSION_SECONDS = 12 * 60 * 60;

/** True when the request carries the admin token as `Authorization: Bearer <token>`. */
export async function hasAdminBearer(c: Context, adminToken: string): Promise<boolean> {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '');
  return match?.[1] !== undefined && (await secretsEqual(match[1], adminToken));
}

/** True when the request carries an unexpired session cookie signed with the admin token. */
export async function hasAdminSession(c: Context, adminToken: string, nowMs: number): Promise<boolean> {
  const cookie = getCookie(c, SESSION_COOKIE);
  const match = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(cookie ?? '');
  if (match?.[1] === undefined || match[2] === undefined) return false;

  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= nowMs) return false;
  return secretsEqual(match[2], await signSession(match[1], adminToken));
}

/** Returns a session cookie value that expires {@link SESSION_SECONDS} after `nowMs`. */
export async function createSessionValue(adminToken: string, nowMs: number): Promise<string> {
  const expiresAt = String(Math.floor(nowMs / 1000) + SESSION_SECONDS);
  return `${expiresAt}.${await signSession(expiresAt, adminToken)}`;
}

function signSession(expiresAt: string, adminToken: string): Promise<string> {
  return hashApiKey(`dashboard-session:${expiresAt}`, adminToken);
}
