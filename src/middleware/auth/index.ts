/**
 * API key authentication and the per-key model allowlist.
 */

import type { MiddlewareHandler } from 'hono';

import { hashApiKey } from '../../tenancy/api-keys.js';
import type { KeyStore } from '../../tenancy/types.js';
import { ANONYMOUS_TENANT, type TenancyVariables } from '../../tenancy/variables.js';
import type { GenerationRequest } from '../limits/request-measures.js';
import { invalidApiKey, missingApiKey, modelNotAllowed, revokedApiKey } from './errors.js';

export type AuthMode = 'on' | 'off';

export interface ApiKeyAuthOptions {
  /** `off` accepts every request as the anonymous tenant; `on` requires a valid key. */
  mode: AuthMode;
  /** Required when `mode` is `on`. */
  keyStore?: KeyStore;
  /** Server secret for HMAC key hashes; must match the one used when the keys were created. */
  hashSecret?: string;
}

/**
 * Creates middleware that reads `Authorization: Bearer <key>`, looks up the key's hash, and sets
 * `c.var.tenant` and `c.var.apiKey`. It throws ApiError 401 for a missing or unknown key and 403
 * for a revoked one. The key itself is never logged or stored.
 *
 * @example
 * app.use('/v1/*', apiKeyAuth({ mode: 'on', keyStore: new MemoryKeyStore() }));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler<{ Variables: TenancyVariables }> {
  if (options?.mode !== 'on' && options?.mode !== 'off') {
    throw new TypeError(`apiKeyAuth: options.mode must be 'on' or 'off', got ${JSON.stringify(options?.mode)}.`);
  }
  if (options.mode === 'off') {
    return async function anonymousAuth(c, next) {
      c.set('tenant', ANONYMOUS_TENANT);
      c.set('apiKey', undefined);
      await next();
    };
  }

  const { keyStore, hashSecret } = options;
  if (keyStore === undefined) throw new TypeError("apiKeyAuth: options.keyStore is required when mode is 'on'.");

  return async function apiKeyAuthMiddleware(c, next) {
    const apiKey = bearerToken(c.req.header('authorization'));
    if (apiKey === undefined) throw missingApiKey();

    const record = await keyStore.findByHash(await hashApiKey(apiKey, hashSecret));
    if (record === undefined) throw invalidApiKey();
    if (record.revokedAt !== null) throw revokedApiKey(record.id);

    c.set('tenant', { id: record.tenantId });
    c.set('apiKey', record);
    await next();
  };
}

/** Context variables that {@link requireModelAccess} reads. */
export interface ModelAccessVariables extends TenancyVariables {
  openaiRequest?: GenerationRequest;
}

/**
 * Creates middleware that rejects, with 403, a request whose body `model` is not on the key's
 * allowlist. Apply it after validateOpenAI, so the model comes from the validated body and never
 * from a query parameter.
 *
 * @example
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), requireModelAccess(), handler);
 */
export function requireModelAccess(): MiddlewareHandler<{ Variables: ModelAccessVariables }> {
  return async function requireModelAccessMiddleware(c, next) {
    const key = c.get('apiKey');
    const model = c.get('openaiRequest')?.model;
    if (key !== undefined && key.models !== null && (model === undefined || !key.models.includes(model))) {
      throw modelNotAllowed(String(model), key.id);
    }
    await next();
  };
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
