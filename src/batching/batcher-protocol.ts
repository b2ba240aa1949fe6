/**
 * Batching through a Durable Object per backend on Workers, where one request cannot read a
 * stream that another request opened. Each gateway request hands its call to the backend's
 * batcher object, which queues it with the calls of other requests and streams back its part.
 */

import type { Backend } from '../gateway/backend.js';
import type { SubmitToBatcher } from './batching-middleware.js';
import { BATCH_PATH } from './batch-protocol.js';
import { RequestBatcher } from './request-batcher.js';
import type { BatchLimits } from './settings.js';

const BATCH_URL_HEADER = 'x-slimgate-batch-url';
const ENDPOINT_HEADER = 'x-slimgate-endpoint';
const PRIORITY_VALUE_HEADER = 'x-slimgate-priority-value';
const LIMITS_HEADER = 'x-slimgate-batch-limits';
/** Number of requests in the batch call, on the object's reply. */
const BATCH_SIZE_HEADER = 'x-slimgate-batch-size';
/** Set on the object's reply when the batch call failed, with the reason. */
const BATCH_ERROR_HEADER = 'x-slimgate-batch-error';

/** The part of a Durable Object stub that the gateway calls. */
export interface BatcherStub {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

/** Returns a submit function that queues requests in the batcher object `stub`. */
export function submitToBatcherObject(stub: BatcherStub, backend: Backend, limits: BatchLimits): SubmitToBatcher {
  const batchURL = `${backend.baseURL}${BATCH_PATH}`;

  return async (request) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [BATCH_URL_HEADER]: batchURL,
      [ENDPOINT_HEADER]: request.endpoint,
      [PRIORITY_VALUE_HEADER]: String(request.priority),
      [LIMITS_HEADER]: JSON.stringify(limits),
    };
    if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;

    const response = await stub.fetch('https://batcher.slimgate.internal/submit', {
      method: 'POST',
      headers,
      body: JSON.stringify(request.body),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const failure = response.headers.get(BATCH_ERROR_HEADER);
    if (failure !== null) {
      await response.body?.cancel();
      throw new TypeError(`batch call through the batcher object failed: ${failure}`);
    }

    const size = Number(response.headers.get(BATCH_SIZE_HEADER));
    if (Number.isSafeInteger(size) && size > 0) request.onBatched?.(size);
    return response;
  };
}

/** The batchers of one object, by batch URL, created on first use with the limits of the request. */
export type BatcherRegistry = Map<string, RequestBatcher>;

/** Serves one request to a batcher object: queues it and returns its own part of the batch reply. */
export async function handleBatcherRequest(request: Request, batchers: BatcherRegistry, fetchFunction: (input: string, init: RequestInit) => Promise<Response>): Promise<Response> {
  const batchURL = request.headers.get(BATCH_URL_HEADER);
  const endpoint = request.headers.get(ENDPOINT_HEADER);
  const limitsText = request.headers.get(LIMITS_HEADER);
  if (batchURL === null || limitsText === null || (endpoint !== 'completions' && endpoint !== 'chat.completions')) {
    return new Response(`Missing or invalid ${BATCH_URL_HEADER}, ${ENDPOINT_HEADER} or ${LIMITS_HEADER}.`, { status: 400 });
  }

  let batcher = batchers.get(batchURL);
  if (batcher === undefined) {
    batcher = new RequestBatcher({ batchURL, ...(JSON.parse(limitsText) as BatchLimits), fetch: fetchFunction });
    batchers.set(batchURL, batcher);
  }

  let batchSize = 0;
  try {
    const response = await batcher.submit({
      endpoint,
      body: (await request.json()) as Record<string, unknown>,
      requestId: request.headers.get('x-request-id') ?? undefined,
      priority: Number(request.headers.get(PRIORITY_VALUE_HEADER) ?? 0),
      signal: request.signal,
      onBatched: (size) => {
        batchSize = size;
      },
    });
    const headers = new Headers(response.headers);
    headers.set(BATCH_SIZE_HEADER, String(batchSize));
    return new Response(response.body, { status: response.status, headers });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/[\r\n]+/g, ' ').slice(0, 300);
    return new Response(null, { status: 502, headers: { [BATCH_ERROR_HEADER]: reason } });
  }
}
