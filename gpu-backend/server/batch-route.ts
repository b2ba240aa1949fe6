/**
 * `POST /v1/batch/completions`: several generation requests in one HTTP call, with one reply:
 * an event stream that multiplexes their responses (src/batching/batch-protocol.ts).
 *
 * Each request is served by the app's own completions route, concurrently. The engine's
 * scheduler therefore receives them together and can decode them in one batch, while validation,
 * errors and streaming behave exactly as for separate calls.
 */

import type { Env, Hono } from 'hono';

import { findBatchBodyProblem, type BatchEvent, type BatchRequestBody } from '../../src/batching/batch-protocol.js';
import { formatServerSentEvent } from '../../src/cache/server-sent-events.js';
import { ApiError, errorResponse } from '../../src/openai/errors.js';

/**
 * Adds the batch route to `app`, which must already serve `/v1/completions` and
 * `/v1/chat/completions`.
 *
 * @example
 * registerBatchRoute(app);
 */
export function registerBatchRoute<E extends Env>(app: Hono<E>): void {
  app.post('/v1/batch/completions', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return errorResponse(new ApiError('The request body is not valid JSON.', { status: 400, type: 'invalid_request_error', code: 'invalid_json' }));
    }
    const problem = findBatchBodyProblem(body);
    if (problem !== null) return errorResponse(new ApiError(problem, { status: 400, type: 'invalid_request_error', code: 'invalid_batch' }));

    const { requests } = body as BatchRequestBody;
    const encoder = new TextEncoder();
    const signal = c.req.raw.signal;

    const stream = new ReadableStream<Uint8Array>({
      start: async (controller) => {
        const send = (event: BatchEvent) => controller.enqueue(encoder.encode(formatServerSentEvent(JSON.stringify(event))));

        await Promise.all(
          requests.map(async (item, index) => {
            const path = item.endpoint === 'completions' ? '/v1/completions' : '/v1/chat/completions';
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (item.requestId !== undefined) headers['x-request-id'] = item.requestId;

            const response = await app.request(path, { method: 'POST', headers, body: JSON.stringify(item.body), signal });
            const responseHeaders: Record<string, string> = {};
            response.headers.forEach((value, name) => {
              responseHeaders[name] = value;
            });
            send({ index, type: 'head', status: response.status, headers: responseHeaders });

            if (response.body !== null) {
              const decoder = new TextDecoder();
              const reader = response.body.getReader();
              try {
                for (let read = await reader.read(); !read.done; read = await reader.read()) {
                  send({ index, type: 'chunk', data: decoder.decode(read.value, { stream: true }) });
                }
              } catch (error) {
                send({ index, type: 'error', message: error instanceof Error ? error.message : String(error) });
                return;
              }
            }
            send({ index, type: 'end' });
          }),
        );
        controller.close();
      },
    });

    return c.body(stream, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  });
}
