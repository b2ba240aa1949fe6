/**
 * Middleware that sends the request's backend call through a dynamic batcher when the chosen
 * backend has batching enabled.
 */

import type { MiddlewareHandler } from 'hono';

import type { CacheLayerVariables } from '../cache/variables.js';
import type { Backend } from '../gateway/backend.js';
import type { FetchFunction } from '../gateway/forward.js';
import { invalidRequest } from '../openai/errors.js';
import type { GenerationEndpoint } from '../openai/request-types.js';
import type { BatchedRequest } from './request-batcher.js';

export const PRIORITY_HEADER = 'x-slimgate-priority';

/** Priorities a client may request; `high` leaves the batch queue first. */
const PRIORITIES: Readonly<Record<string, number>> = { low: 0, normal: 1, high: 2 };

/** Submits one request to the batcher of a backend: in-process, or a Durable Object on Workers. */
export type SubmitToBatcher = (request: BatchedRequest) => Promise<Response>;

export interface BatchingOptions {
  /** The batched backends with the submit function of each. */
  batchers: ReadonlyArray<{ backend: Backend; submit: SubmitToBatcher }>;
  /** Calls to other backends; the global fetch by default. */
  fetch?: FetchFunction;
}

/**
 * @example
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), batchRequests({ batchers }), forward);
 */
export function batchRequests(options: BatchingOptions): MiddlewareHandler<{ Variables: CacheLayerVariables }> {
  const fallback: FetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  const targets = options.batchers.map(({ backend, submit }) => ({
    submit,
    urls: new Map<string, GenerationEndpoint>([
      ...(backend.paths.completions === null ? [] : [[`${backend.baseURL}${backend.paths.completions}`, 'completions'] as const]),
      ...(backend.paths.chatCompletions === null ? [] : [[`${backend.baseURL}${backend.paths.chatCompletions}`, 'chat.completions'] as const]),
    ]),
  }));

  return async function batchingMiddleware(c, next) {
    // A Durable Object coordinator already owns this request's backend call.
    // TODO: batch the coordinator's calls too; coalesced requests on Workers are not batched.
    if (c.get('backendFetch') !== undefined) return next();

    const priorityText = c.req.header(PRIORITY_HEADER)?.trim().toLowerCase();
    const priority = priorityText === undefined || priorityText === '' ? PRIORITIES.normal! : PRIORITIES[priorityText];
    if (priority === undefined) throw invalidRequest(`The ${PRIORITY_HEADER} header must be low, normal or high, got ${JSON.stringify(priorityText)}.`, null, 'invalid_priority_header');

    c.set('backendFetch', async (url, init) => {
      for (const target of targets) {
        const endpoint = target.urls.get(url);
        if (endpoint === undefined) continue;

        const headers = new Headers(init.headers);
        return target.submit({
          endpoint,
          body: JSON.parse(String(init.body)) as Record<string, unknown>,
          requestId: headers.get('x-request-id') ?? undefined,
          priority,
          ...(init.signal === undefined || init.signal === null ? {} : { signal: init.signal }),
          onBatched: (size) => c.set('batchSize', size),
        });
      }
      return fallback(url, init);
    });
    await next();
  };
}
