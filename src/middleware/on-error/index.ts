/**
 * Error and not-found handlers that render every failure as an OpenAI error body,
 * `{"error":{"message","type","param","code"}}`, so clients see one shape from every route.
 */

import type { Context, Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

import type { LogFields, Logger } from '../../log/logger.js';
import { ApiError } from '../../openai/errors.js';

export interface OpenAIErrorHandlerOptions<E extends Env = Env> {
  /** Receives a `warn` line for each 5xx ApiError and an `error` line for each unexpected error. */
  logger: Logger;
  /** Adds fields of the application's own, such as the request id, to those lines. */
  fields?: (c: Context<E>) => LogFields;
}

/**
 * Creates an `app.onError` handler. An {@link ApiError} keeps its status, fields and headers
 * (such as `Retry-After`); Hono's `HTTPException` keeps its status and message; anything else
 * becomes a 500 whose body hides the internal message, which goes to the log instead.
 *
 * @example
 * const app = new Hono();
 * app.onError(openaiErrorHandler({ logger: pino() }));
 * app.notFound(openaiNotFound());
 */
export function openaiErrorHandler<E extends Env = Env>(options: OpenAIErrorHandlerOptions<E>): ErrorHandler<E> {
  const { logger, fields } = validateOptions(options);

  return function handleOpenAIError(error, c) {
    const apiError = toApiError(error);
    const context = fields?.(c) ?? {};

    if (!(error instanceof ApiError) && !(error instanceof HTTPException)) {
      logger.error({ ...context, err: error }, 'unexpected error while handling request');
    } else if (apiError.status >= 500) {
      logger.warn({ ...context, status: apiError.status, code: apiError.code, err: apiError.cause ?? apiError }, apiError.message);
    }

    return c.json(apiError.toJSON(), apiError.status as ContentfulStatusCode, apiError.headers);
  };
}

/**
 * Creates an `app.notFound` handler that returns 404 `invalid_request_error` with code
 * `unknown_url`, naming the method and path.
 *
 * @example
 * app.notFound(openaiNotFound());
 */
export function openaiNotFound<E extends Env = Env>(): NotFoundHandler<E> {
  return function handleOpenAINotFound(c) {
    const error = new ApiError(`Unknown request URL: ${c.req.method} ${c.req.path}.`, {
      status: 404,
      type: 'invalid_request_error',
      code: 'unknown_url',
    });
    return c.json(error.toJSON(), 404);
  };
}

/** Converts anything thrown by a handler into an {@link ApiError}. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;

  if (error instanceof HTTPException) {
    return new ApiError(error.message || `The request failed with status ${error.status}.`, {
      status: error.status,
      type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
      cause: error,
    });
  }

  return new ApiError('The server had an error while processing your request.', {
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    cause: error,
  });
}

function validateOptions<E extends Env>(options: OpenAIErrorHandlerOptions<E>): OpenAIErrorHandlerOptions<E> {
  const logger = options?.logger as Partial<Logger> | undefined;
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('openaiErrorHandler: options.logger must be a Logger with warn() and error() methods.');
  }
  if (options.fields !== undefined && typeof options.fields !== 'function') {
    throw new TypeError('openaiErrorHandler: options.fields must be a function returning log fields.');
  }
  return options;
}
