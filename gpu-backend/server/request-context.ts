/**
 * Per-request id and structured request log lines.
 *
 * The id is the caller's `x-request-id` when it is a plausible id (so that gateway and backend
 * logs join on it), otherwise a new UUID; it is echoed in the response's `x-request-id` header.
 */

import { randomUUID } from 'node:crypto';

import type { MiddlewareHandler } from 'hono';

import type { Logger } from '../../src/log/logger.js';

export interface RequestVariables {
  requestId: string;
  logger: Logger;
}

/** Printable id characters only, so a header cannot inject text into log lines. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:\-]{1,128}$/;

export function requestContext(logger: Logger): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const requestLogger = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', requestLogger);

    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);

    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status, durationMs };
    if (c.res.status >= 500) requestLogger.error(fields, 'request failed');
    else requestLogger.info(fields, 'request handled');
  };
}
