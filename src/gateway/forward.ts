/**
 * Forwarding of a validated generation request to its backend.
 */

import { BATCH_SIZE_HEADER, QUEUE_TIME_HEADER } from '../middleware/metrics/index.js';
import type { GenerationEndpoint } from '../openai/request-types.js';
import { completeBodyOf } from '../streams/complete-body.js';
import { endpointPath, type Backend } from './backend.js';
import { childAbortController } from './child-abort-controller.js';
import {
  backendErrorToApiError,
  backendTimedOut,
  backendUnreachable,
  clientClosedRequest,
  endpointNotServed,
  invalidBackendResponse,
} from './backend-errors.js';
import { applyResponseTransform } from './response-transforms.js';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface ForwardRequest {
  backend: Backend;
  endpoint: GenerationEndpoint;
  /** The validated request body. */
  body: Readonly<Record<string, unknown>> & { model: string; stream?: boolean | null };
  requestId: string;
  /** Time allowed until the backend's response headers arrive, in milliseconds. */
  firstByteTimeoutMs: number;
  /** Aborts the backend request when the client goes away. */
  clientSignal?: AbortSignal;
  fetch: FetchFunction;
}

/** The backend's successful reply, ready to send to the client. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string>;
  /** The backend's body stream, or the serialized JSON after a response transform. */
  body: ReadableStream<Uint8Array> | string | null;
}

/**
 * Response headers copied from the backend; hop-by-hop and encoding headers are not. The queue
 * time and batch size headers reach the client too, because the metrics middleware reads them
 * from the gateway's own response.
 */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'openai-processing-ms', QUEUE_TIME_HEADER, BATCH_SIZE_HEADER];

/**
 * Sends the request to the backend and returns its successful reply, or throws an ApiError
 * (502 unreachable, 503 overloaded, 504 timed out, 4xx passed on).
 *
 * The response body is handed on as the backend's stream, without buffering, so server-sent
 * events reach the client as the backend writes them. The time-to-first-byte timer stops once
 * headers arrive; the body itself has no deadline.
 */
export async function forwardToBackend(request: ForwardRequest): Promise<ForwardedResponse> {
  const { backend, endpoint, body } = request;

  const path = endpointPath(backend, endpoint);
  if (path === null) throw endpointNotServed(body.model, `/v1/${endpoint.replace('.', '/')}`);

  const response = await fetchWithFirstByteTimeout(request, `${backend.baseURL}${path}`);
  if (!response.ok) throw await backendErrorToApiError(backend.name, response);

  const headers = pickHeaders(response.headers);
  const streaming = body.stream === true;
  if (streaming || backend.responseTransform === undefined) {
    // A transport that already read the body whole hands it on as text, without a stream.
    return { status: response.status, headers, body: (streaming ? undefined : completeBodyOf(response)) ?? response.body };
  }

  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) throw invalidBackendResponse(backend.name, 'the body is not valid JSON');
    throw error;
  }
  const transformed = applyResponseTransform(backend.responseTransform, parsed, { model: body.model });
  return { status: response.status, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(transformed) };
}

/** Renames or drops request fields according to the backend's parameter map. */
export function applyParameterMap(
  body: Readonly<Record<string, unknown>>,
  parameterMap: Readonly<Record<string, string | null>>,
): Record<string, unknown> {
  const mapped: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (!Object.hasOwn(parameterMap, field)) {
      mapped[field] = value;
      continue;
    }
    const target = parameterMap[field];
    if (target !== null && target !== undefined) mapped[target] = value;
  }
  return mapped;
}

async function fetchWithFirstByteTimeout(request: ForwardRequest, url: string): Promise<Response> {
  const { backend, clientSignal } = request;
  const timeoutMs = backend.firstByteTimeoutMs ?? request.firstByteTimeoutMs;

  // Aborts when the client signal does, or when no response head has come within timeoutMs.
  const attempt = childAbortController(clientSignal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, timeoutMs);
  const signal = attempt.signal;

  try {
    return await request.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: request.body.stream === true ? 'text/event-stream' : 'application/json',
        'x-request-id': request.requestId,
      },
      body: JSON.stringify(applyParameterMap(request.body, backend.parameterMap)),
      signal,
    });
  } catch (error) {
    if (timedOut) throw backendTimedOut(backend.name, timeoutMs);
    if (clientSignal?.aborted === true) throw clientClosedRequest();
    throw backendUnreachable(backend.name, error);
  } finally {
    clearTimeout(timer);
  }
}

function pickHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}
