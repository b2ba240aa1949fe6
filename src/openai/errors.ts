/**
 * OpenAI-shaped API errors: `{"error":{"message","type","param","code"}}` with an HTTP status.
 *
 * Both the backend and the edge gateway throw {@link ApiError} and render it with
 * {@link errorResponse}, so a client sees the same shape whichever hop failed.
 */

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'api_error'
  | 'timeout_error';

export interface ApiErrorBody {
  error: {
    message: string;
    type: ApiErrorType;
    param: string | null;
    code: string | null;
  };
}

export interface ApiErrorInit {
  status: number;
  type: ApiErrorType;
  param?: string | null;
  code?: string | null;
  /** Extra response headers, for example `Retry-After` on 429 and 503. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(message: string, init: ApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type;
    this.param = init.param ?? null;
    this.code = init.code ?? null;
    this.headers = init.headers ?? {};
  }

  toJSON(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(message, { status: 400, type: 'invalid_request_error', param, code });
}

export function modelNotFound(model: string): ApiError {
  return new ApiError(`The model '${model}' does not exist or you do not have access to it.`, {
    status: 404,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
}

/** Renders an error as a JSON response; an unknown error becomes a 500 without internal details. */
export function errorResponse(error: unknown): Response {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError('The server had an error while processing your request.', {
          status: 500,
          type: 'server_error',
          code: 'internal_error',
        });
  return new Response(JSON.stringify(apiError.toJSON()), {
    status: apiError.status,
    headers: { 'content-type': 'application/json', ...apiError.headers },
  });
}
