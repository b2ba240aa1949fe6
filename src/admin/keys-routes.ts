/**
 * Admin API for virtual API keys: `POST /admin/keys`, `GET /admin/keys`, `DELETE /admin/keys/:id`,
 * authenticated with `Authorization: Bearer <ADMIN_TOKEN>`.
 */

import { Hono, type MiddlewareHandler } from 'hono';

import type { Logger } from '../log/logger.js';
import { ApiError } from '../openai/errors.js';
import { readJsonBody } from '../openai/json-body.js';
import { displayPrefix, generateApiKey, generateKeyId, hashApiKey, secretsEqual } from '../tenancy/api-keys.js';
import { KeyStoreFullError, toApiKeyView, type ApiKeyRecord, type KeyStore } from '../tenancy/types.js';
import type { UsageStore } from '../tenancy/usage-store.js';
import { parseCreateKeyRequest } from './create-key-request.js';

export interface AdminRoutesOptions {
  keyStore: KeyStore;
  /** Reports each key's spend in listings. */
  usageStore: UsageStore;
  /** The admin bearer token; when undefined or empty every admin request gets 404. */
  adminToken: string | undefined;
  /** Server secret for HMAC key hashes; see hashApiKey. */
  hashSecret?: string;
  logger: Logger;
  /** Current time; replaceable in tests. */
  now?: () => Date;
}

/**
 * Creates the admin routes as a Hono app to mount with `app.route('/admin', ...)`. Errors are
 * thrown as ApiError for the parent app's OpenAI error handler.
 *
 * @example
 * app.route('/admin', adminKeyRoutes({ keyStore, usageStore, adminToken: env.ADMIN_TOKEN, logger }));
 */
export function adminKeyRoutes(options: AdminRoutesOptions): Hono {
  const { keyStore, usageStore, hashSecret, logger } = options;
  const now = options.now ?? (() => new Date());
  const app = new Hono();

  app.use(requireAdminToken(options.adminToken));

  app.post('/keys', async (c) => {
    const input = parseCreateKeyRequest(await readJsonBody(c.req.raw));
    const apiKey = generateApiKey();
    const record: ApiKeyRecord = {
      id: generateKeyId(),
      tenantId: input.tenantId,
      name: input.name,
      hash: await hashApiKey(apiKey, hashSecret),
      displayPrefix: displayPrefix(apiKey),
      models: input.models,
      limits: input.limits,
      createdAt: now().toISOString(),
      revokedAt: null,
    };

    try {
      await keyStore.insert(record);
    } catch (error) {
      if (!(error instanceof KeyStoreFullError)) throw error;
      throw new ApiError(error.message, { status: 409, type: 'invalid_request_error', code: 'key_store_full' });
    }

    logger.info({ keyId: record.id, tenantId: record.tenantId }, 'API key created');
    // The plaintext key appears in this response only; the store keeps its hash.
    return c.json({ ...toApiKeyView(record), key: apiKey }, 201);
  });

  app.get('/keys', async (c) => {
    const records = await keyStore.list();
    const data = await Promise.all(records.map(async (record) => ({ ...toApiKeyView(record), spentUsd: await usageStore.spent(record.id) })));
    return c.json({ object: 'list', data });
  });

  app.delete('/keys/:id', async (c) => {
    const id = c.req.param('id');
    const revoked = await keyStore.revoke(id, now().toISOString());
    if (revoked === undefined) {
      throw new ApiError(`No API key with id '${id}'.`, { status: 404, type: 'not_found_error', code: 'key_not_found' });
    }
    logger.info({ keyId: id, tenantId: revoked.tenantId }, 'API key revoked');
    return c.json(toApiKeyView(revoked));
  });

  return app;
}

function requireAdminToken(adminToken: string | undefined): MiddlewareHandler {
  return async function requireAdminTokenMiddleware(c, next) {
    if (adminToken === undefined || adminToken === '') {
      throw new ApiError('The admin API is disabled; set ADMIN_TOKEN to enable it.', { status: 404, type: 'not_found_error', code: 'admin_api_disabled' });
    }

    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '');
    if (match?.[1] === undefined || !(await secretsEqual(match[1], adminToken))) {
      throw new ApiError('The admin token is missing or invalid.', {
        status: 401,
        type: 'authentication_error',
        code: 'invalid_admin_token',
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    await next();
  };
}
