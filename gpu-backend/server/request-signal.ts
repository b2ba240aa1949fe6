/**
 * The cancellation signal of one generation request: it aborts when the client disconnects or
 * when the request runs longer than the configured timeout.
 */

import { ApiError } from '../../src/openai/errors.js';

export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the request timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface RequestSignal {
  signal: AbortSignal;
  /** Aborts generation, for example when the response stream is cancelled. */
  abort(reason: unknown): void;
  /** Stops the timer and detaches from the client's signal; call once the request is done. */
  dispose(): void;
}

export function createRequestSignal(clientSignal: AbortSignal, timeoutMs: number): RequestSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs);
  const onClientAbort = (): void => controller.abort(clientSignal.reason);

  if (clientSignal.aborted) onClientAbort();
  else clientSignal.addEventListener('abort', onClientAbort, { once: true });

  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      clientSignal.removeEventListener('abort', onClientAbort);
    },
  };
}

/** Converts a timeout into the OpenAI-shaped 504 error; other values are returned unchanged. */
export function timeoutToApiError(error: unknown): unknown {
  if (!(error instanceof RequestTimeoutError)) return error;
  return new ApiError(`The request timed out after ${error.timeoutMs} ms before generation finished.`, {
    status: 504,
    type: 'timeout_error',
    code: 'timeout',
    cause: error,
  });
}
