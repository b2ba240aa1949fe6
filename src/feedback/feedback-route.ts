/**
 * `POST /v1/feedback`: a client scores a response it received, by request id
 * (`{"request_id": "...", "score": 0.8}`, score from 0 to 1). The score counts toward the quality
 * of the variant that served the request.
 */

import { Hono } from 'hono';

import type { MetricsStore } from '../metrics/metrics-store.js';
import { ApiError, invalidRequest } from '../openai/errors.js';
import { readJsonBody } from '../openai/json-body.js';
import type { VariantRouter } from '../variants/variant-router.js';
import type { RequestIndex } from './request-index.js';

export interface FeedbackRouteOptions {
  index: RequestIndex;
  store: MetricsStore;
  /** Receives feedback scores as quality evidence; absent when no model has variants. */
  router?: VariantRouter;
  /** Milliseconds since the Unix epoch; replaceable in tests. */
  now?: () => number;
}

/**
 * Creates the feedback route as a Hono app to mount at the root. A request is found only by the
 * tenant that made it, read from `c.var.tenant` when an authentication middleware sets it.
 *
 * @example
 * app.route('/', feedbackRoute({ index, store, router }));
 */
export function feedbackRoute(options: FeedbackRouteOptions): Hono<{ Variables: { tenant?: { id: string } } }> {
  const { index, store, router } = options;
  const now = options.now ?? Date.now;
  const app = new Hono<{ Variables: { tenant?: { id: string } } }>();

  app.post('/v1/feedback', async (c) => {
    const { requestId, score } = parseFeedback(await readJsonBody(c.req.raw));
    const served = index.find(requestId);
    const tenant = c.get('tenant')?.id ?? 'anonymous';
    if (served === undefined || served.tenant !== tenant) {
      throw new ApiError(`No recent request with id '${requestId}' was found; feedback is accepted for an hour after the response.`, {
        status: 404,
        type: 'invalid_request_error',
        param: 'request_id',
        code: 'request_not_found',
      });
    }

    router?.observeQuality(served.model, served.variant, score);
    await store.recordQuality({ time: now(), model: served.model, variant: served.variant, source: 'feedback', score });
    return c.json({ object: 'feedback', request_id: requestId, model: served.model, variant: served.variant, score }, 202);
  });

  return app;
}

function parseFeedback(body: unknown): { requestId: string; score: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object with request_id and score.');
  const { request_id: requestId, score } = body as Record<string, unknown>;
  if (typeof requestId !== 'string' || requestId === '' || requestId.length > 255) {
    throw invalidRequest('request_id must be the x-request-id of a response, a string of 1 to 255 characters.', 'request_id');
  }
  if (typeof score !== 'number' || !(score >= 0 && score <= 1)) throw invalidRequest('score must be a number from 0 (useless) to 1 (as expected).', 'score');
  return { requestId, score };
}
