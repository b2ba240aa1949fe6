/**
 * Resilient forwarding: tries the model's backends in turn with retries, exponential backoff with
 * jitter, circuit breakers and a total timeout.
 *
 * A retry happens only before the response starts. forwardToBackend returns once the backend's
 * response headers arrive, and nothing reaches the client before this function returns, so a
 * failure after that point (a broken stream) is never retried.
 */

import type { Backend } from '../gateway/backend.js';
import { endpointPath } from '../gateway/backend.js';
import { clientClosedRequest, endpointNotServed, noBackendAvailable, requestTimedOut } from '../gateway/backend-errors.js';
import { childAbortController } from '../gateway/child-abort-controller.js';
import { forwardToBackend, type FetchFunction, type ForwardedResponse, type ForwardRequest } from '../gateway/forward.js';
import type { Logger } from '../log/logger.js';
import { ApiError, modelNotFound } from '../openai/errors.js';
import type { GenerationEndpoint } from '../openai/request-types.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import type { BackendPool } from './backend-pool.js';
import { guardEventStream, readWholeBody } from './response-body.js';

export interface RetryPolicy {
  /** Attempts per request, the first one included. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Time from the first attempt to the end of the response body, in ms. */
  totalTimeoutMs: number;
}

export interface RouteRequest {
  pool: BackendPool;
  policy: RetryPolicy;
  endpoint: GenerationEndpoint;
  body: ForwardRequest['body'];
  requestId: string;
  firstByteTimeoutMs: number;
  clientSignal?: AbortSignal;
  fetch: FetchFunction;
  logger: Logger;
  /** Waits `ms`, or rejects when `signal` aborts; replaceable in tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Returns [0, 1) for backoff jitter; replaceable in tests. */
  random?: () => number;
}

export interface RoutedResponse {
  response: ForwardedResponse;
  /** The backend that served the response. */
  backend: Backend;
  /** Attempts made, 1 when the first backend succeeded. */
  attempts: number;
}

/**
 * Sends the request to one of the model's backends and returns the first successful reply.
 * Connection failures and 5xx responses (502, 503, 504 after mapping) are retried, on the next
 * backend when there is one. A first-byte timeout is retried only on a different backend, because
 * the slow one may still be generating. A backend 4xx is the client's error and is thrown at once.
 */
export async function routeRequest(request: RouteRequest): Promise<RoutedResponse> {
  const { pool, policy, body, logger } = request;
  const model = body.model;
  if (!pool.serves(model)) throw modelNotFound(model);
  const servingEndpoint = pool.backendsFor(model).filter((backend) => endpointPath(backend, request.endpoint) !== null);
  if (servingEndpoint.length === 0) throw endpointNotServed(model, `/v1/${request.endpoint.replace('.', '/')}`);

  // One controller for the whole request: the client going away or the total timeout aborts it.
  const scope = childAbortController(request.clientSignal);
  let timedOut = false;
  const deadlineTimer = setTimeout(() => {
    timedOut = true;
    scope.abort();
  }, policy.totalTimeoutMs);
  const signal = scope.signal;
  const sleep = request.sleep ?? abortableSleep;
  const random = request.random ?? Math.random;

  const slowBackends = new Set<string>();
  let lastError: ApiError | undefined;

  try {
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt += 1) {
      if (attempt > 1) await sleep(backoffDelayMs(attempt - 1, policy.backoff, random), signal);

      const backend = pickBackend(pool, model, request.endpoint, slowBackends);
      if (backend === undefined) break;

      try {
        const response = await forwardToBackend({ ...request, backend, clientSignal: signal });
        const guarded = await guardBody(response, backend.name, body.stream === true, () => clearTimeout(deadlineTimer));
        pool.breaker(backend.name).recordSuccess();
        return { response: guarded, backend, attempts: attempt };
      } catch (error) {
        if (timedOut || !(error instanceof ApiError)) {
          // The outcome of this attempt tells nothing about the backend's health, so it is not recorded.
          pool.breaker(backend.name).releaseProbe();
          throw error;
        }

        if (!isRetryable(error)) {
          // The backend responded, so it is alive, even though the request failed.
          if (error.status === 499) pool.breaker(backend.name).releaseProbe();
          else pool.breaker(backend.name).recordSuccess();
          throw error;
        }

        pool.breaker(backend.name).recordFailure();
        if (error.code === 'backend_timeout') slowBackends.add(backend.name);
        lastError = error;
        logger.warn({ requestId: request.requestId, backend: backend.name, attempt, status: error.status, code: error.code }, 'backend attempt failed; retrying');
      }
    }
  } catch (error) {
    clearTimeout(deadlineTimer);
    if (timedOut) throw requestTimedOut(policy.totalTimeoutMs);
    if (request.clientSignal?.aborted === true && !(error instanceof ApiError)) throw clientClosedRequest();
    throw error;
  }

  clearTimeout(deadlineTimer);
  throw lastError ?? noBackendAvailable(model, Math.max(1, Math.ceil(pool.retryAfterMs(model) / 1000)));
}

function isRetryable(error: ApiError): boolean {
  return error.status === 502 || error.status === 503 || error.status === 504;
}

/** Picks the first candidate that serves the endpoint and has not timed out, taking its circuit's probe. */
function pickBackend(pool: BackendPool, model: string, endpoint: GenerationEndpoint, slowBackends: ReadonlySet<string>): Backend | undefined {
  for (const backend of pool.candidates(model)) {
    if (slowBackends.has(backend.name) || endpointPath(backend, endpoint) === null) continue;
    if (pool.breaker(backend.name).tryAcquire()) return backend;
  }
  return undefined;
}

/**
 * Reads a non-streaming body whole (so a failure is still retryable), or guards a stream so that
 * a failure mid-stream ends it with an error event. `onEnd` runs once the body is done.
 */
async function guardBody(response: ForwardedResponse, backendName: string, streaming: boolean, onEnd: () => void): Promise<ForwardedResponse> {
  const body = response.body;
  if (!(body instanceof ReadableStream)) {
    onEnd();
    return response;
  }
  if (streaming) return { ...response, body: guardEventStream(body, backendName, onEnd) };

  const whole = await readWholeBody(body, backendName);
  onEnd();
  return { ...response, body: new TextDecoder().decode(whole) };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
