/**
 * Responses whose whole body the gateway already has in memory: replies to non-streaming requests,
 * which the router reads whole from the backend, JSON cache hits, and backend replies that the
 * Node entry's transport read whole. Middleware that observes bodies (usage, result cache,
 * coalescing, metrics) reads the text from here and leaves such a response as it is, instead of
 * wrapping it in a web stream each, one of the larger per-request costs in Node 20.
 *
 * A response built any other way, or rebuilt by later code, has no entry, and the middleware
 * falls back to observing its body as a stream.
 */

const completeBodies = new WeakMap<Response, string>();

/** Records that `response` has `text` as its whole body, and returns the response. */
export function markCompleteBody(response: Response, text: string): Response {
  completeBodies.set(response, text);
  return response;
}

/** Returns the whole body of `response` when it is known, without reading the body. */
export function completeBodyOf(response: Response): string | undefined {
  return completeBodies.get(response);
}

/**
 * Returns whether `response` has no body at all. A response with a known complete body is checked
 * without reading `body`: on @hono/node-server's lightweight Response, that getter builds a full
 * Web Response with a stream, about 3 % of the gateway's time per request in a Node profile.
 */
export function hasNullBody(response: Response): boolean {
  return !completeBodies.has(response) && response.body === null;
}
