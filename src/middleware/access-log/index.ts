/**
 * Access log middleware: one structured line per request, written after the response is ready.
 */

import type { Context, Env, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

import type { LogFields, Logger } from '../../log/logger.js';

export interface AccessLogOptions<E extends Env = Env> {
  /** Receives one `info` line per request, or `warn` when the status is 500 or above. */
  logger: Logger;
  /** Adds fields of the application's own, such as the request id or the requested model. */
  fields?: (c: Context<E>) => LogFields;
  /** Message of each line; pino puts it in `msg`. */
  message?: string;
}

/**
 * Creates middleware that logs `method`, `path`, `route`, `status` and `latencyMs` of every
 * request, plus the fields the `fields` callback returns.
 *
 * `latencyMs` runs until the response headers are ready; a streamed body may go on after it.
 * workerd advances its clock only across I/O, so there the value counts the time spent waiting
 * on backends and the client rather than CPU time.
 *
 * @example
 * const app = new Hono<{ Variables: RequestIdVariables }>();
 * app.use(requestId());
 * app.use(accessLog({ logger: pino(), fields: (c) => ({ requestId: c.var.requestId }) }));
 */
export function accessLog<E extends Env = Env>(options: AccessLogOptions<E>): MiddlewareHandler<E> {
  const { logger, fields, message = 'request completed' } = validateOptions(options);

  return async function accessLogMiddleware(c, next) {
    const startedAt = performance.now();

    await next();

    const line: LogFields = {
      method: c.req.method,
      path: c.req.path,
      route: routePath(c, -1),
      status: c.res.status,
      latencyMs: Math.round(performance.now() - startedAt),
      ...fields?.(c),
    };
    if (c.res.status >= 500) logger.warn(line, message);
    else logger.info(line, message);
  };
}

function validateOptions<E extends Env>(options: AccessLogOptions<E>): AccessLogOptions<E> {
  const logger = options?.logger as Partial<Logger> | undefined;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function') {
    throw new TypeError('accessLog: options.logger must be a Logger with info() and warn() methods.');
  }
  if (options.fields !== undefined && typeof options.fields !== 'function') {
    throw new TypeError('accessLog: options.fields must be a function returning log fields.');
  }
  if (options.message !== undefined && (typeof options.message !== 'string' || options.message === '')) {
    throw new TypeError('accessLog: options.message must be a non-empty string.');
  }
  return options;
}
