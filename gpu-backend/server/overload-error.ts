/**
 * The 429 response for a full queue: OpenAI's error shape with a `Retry-After` header.
 */

import { ApiError } from '../../src/openai/errors.js';
import { EngineOverloadedError } from '../runtime/generation.js';

/** Converts {@link EngineOverloadedError} into a 429 ApiError; other values are returned unchanged. */
export function overloadedToApiError(error: unknown): unknown {
  if (!(error instanceof EngineOverloadedError)) return error;
  return new ApiError('The backend is overloaded with requests. Retry after the number of seconds in the Retry-After header.', {
    status: 429,
    type: 'rate_limit_error',
    code: 'overloaded',
    headers: { 'retry-after': String(error.retryAfterSeconds) },
    cause: error,
  });
}
