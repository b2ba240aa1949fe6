/**
 * Body replacement for middleware that wraps a response body in an observing stream.
 */

import type { Context } from 'hono';

/**
 * Replaces `c.res` with a response that has the same status and headers and `body` as its body.
 *
 * Both steps avoid building a Response from another Response, which costs a full copy in Node:
 * - The new response gets a plain init object. For a Response built from a Response,
 *   @hono/node-server 1.19 reads ahead up to two chunks before writing the headers and waits a
 *   timer tick (1 ms or more) whenever the second chunk is not ready yet, which delays every
 *   streamed reply. A Response built from a plain init is written as its chunks arrive.
 * - `c.res` is cleared first, because Hono's setter (4.13) otherwise rebuilds the new response from
 *   itself to merge in the old one's headers, which this response already has.
 */
export function replaceBody(c: Context, body: ReadableStream<Uint8Array>): void {
  const response = c.res;
  const replaced = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  c.res = undefined;
  c.res = replaced;
}
