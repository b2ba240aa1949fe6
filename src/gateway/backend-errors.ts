/**
 * OpenAI-shaped errors for backend failures, and the mapping of a backend's error response.
 *
 * | backend outcome                         | gateway status |
 * | --------------------------------------- | -------------- |
 * | connection failed (refused, reset, DNS) | 502            |
 * | 503 or 429                              | 503, with the backend's `Retry-After` |
 * | no response headers in time             | 504            |
 * | other 4xx                               | same status, error body in OpenAI shape |
 * | other status (5xx, 1xx, 3xx)            | 502            |
 */

import { ApiError, type ApiErrorType } from '../openai/errors.js';

/** Bytes of a backend error body read for its message; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

const API_ERROR_TYPES = new Set<string>([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'rate_limit_error',
  'server_error',
  'api_error',
  'timeout_error',
]);

export function backendUnreachable(backendName: string, cause: unknown): ApiError {
  return new ApiError(`The backend '${backendName}' could not be reached. Retry later or check that it is running.`, {
    status: 502,
    type: 'api_error',
    code: 'backend_unreachable',
    cause,
  });
}

export function backendTimedOut(backendName: string, timeoutMs: number): ApiError {
  return new ApiError(`The backend '${backendName}' did not start responding within ${timeoutMs} ms.`, {
    status: 504,
    type: 'timeout_error',
    code: 'backend_timeout',
  });
}

export function clientClosedRequest(): ApiError {
  // 499 is nginx's status for a client that disconnected; no client reads this response.
  return new ApiError('The client closed the connection before the backend responded.', {
    status: 499,
    type: 'invalid_request_error',
    code: 'client_closed_request',
  });
}

export function endpointNotServed(model: string, path: string): ApiError {
  return new ApiError(`The model '${model}' is not served on ${path}.`, {
    status: 404,
    type: 'invalid_request_error',
    param: 'model',
    code: 'unsupported_endpoint',
  });
}

export function invalidBackendResponse(backendName: string, detail: string): ApiError {
  return new ApiError(`The backend '${backendName}' returned an invalid response: ${detail}.`, {
    status: 502,
    type: 'api_error',
    code: 'invalid_backend_response',
  });
}

/** Maps a backend's non-2xx response to the error the client receives. Consumes the body. */
export async function backendErrorToApiError(backendName: string, response: Response): Promise<ApiError> {
  const detail = parseErrorBody(await readTextPrefix(response, MAX_ERROR_BODY_BYTES));
  // The backend's message becomes a clause of the gateway's sentence, so its final period goes.
  const suffix = detail.message === undefined ? '' : `: ${detail.message.replace(/\.+$/, '')}`;

  if (response.status === 503 || response.status === 429) {
    const retryAfter = response.headers.get('retry-after');
    return new ApiError(`The backend '${backendName}' is overloaded${suffix}. Retry later.`, {
      status: 503,
      type: 'server_error',
      code: 'backend_overloaded',
      headers: retryAfter === null ? {} : { 'retry-after': retryAfter },
    });
  }

  if (response.status >= 400 && response.status < 500) {
    return new ApiError(detail.message ?? `The backend '${backendName}' rejected the request with status ${response.status}.`, {
      status: response.status,
      type: detail.type ?? (response.status === 404 ? 'not_found_error' : 'invalid_request_error'),
      param: detail.param,
      code: detail.code,
    });
  }

  return new ApiError(`The backend '${backendName}' failed with status ${response.status}${suffix}.`, {
    status: 502,
    type: 'api_error',
    code: 'backend_error',
  });
}

interface ErrorDetail {
  message: string | undefined;
  type: ApiErrorType | undefined;
  param: string | null;
  code: string | null;
}

/** Reads the fields of an OpenAI error body, or uses plain text as the message. */
function parseErrorBody(text: string): ErrorDetail {
  const detail: ErrorDetail = { message: undefined, type: undefined, param: null, code: null };
  const trimmed = text.trim();
  if (trimmed === '') return detail;

  const parsed = parseJsonObject(trimmed);
  const error = parsed?.error;
  if (typeof error === 'object' && error !== null && typeof (error as Record<string, unknown>).message === 'string') {
    const fields = error as Record<string, unknown>;
    detail.message = fields.message as string;
    if (typeof fields.type === 'string' && API_ERROR_TYPES.has(fields.type)) detail.type = fields.type as ApiErrorType;
    if (typeof fields.param === 'string') detail.param = fields.param;
    if (typeof fields.code === 'string') detail.code = fields.code;
    return detail;
  }

  // Not an OpenAI error body: use a short plain-text excerpt as the message.
  detail.message = trimmed.length > 300 ? `${trimmed.slice(0, 297)}...` : trimmed;
  return detail;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // Truncated or non-JSON text: used as plain text.
    throw error;
  }
}

/** Reads at most `maxBytes` of a body as UTF-8 and cancels the rest. */
async function readTextPrefix(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;

  while (received < maxBytes) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    received += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }

  await reader.cancel();
  return text + decoder.decode();
}

export function noBackendAvailable(model: string, retryAfterSeconds: number): ApiError {
  return new ApiError(`Every backend of the model '${model}' is failing or cooling down. Retry after ${retryAfterSeconds} s.`, {
    status: 503,
    type: 'server_error',
    code: 'backend_unavailable',
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

export function requestTimedOut(timeoutMs: number): ApiError {
  return new ApiError(`The request did not finish within the gateway's total timeout of ${timeoutMs} ms.`, {
    status: 504,
    type: 'timeout_error',
    code: 'request_timeout',
  });
}
