/**
 * Body observation for middleware: every middleware that taps a response adds its observer to one
 * shared stream instead of wrapping the body once more.
 */

import type { Context } from 'hono';

import { TappedBody, type BodyTap } from '../streams/body-tap.js';
import { replaceBody } from './replace-body.js';

const tappedByResponse = new WeakMap<Response, TappedBody>();

/**
 * Adds `tap` to the body of `c.res`. The first tap replaces the body with a tapped stream, and
 * later taps on that response join it. Taps end in the order they were added, innermost
 * middleware first. `c.res` must have a body that nothing has read yet.
 */
export function tapResponseBody(c: Context, tap: BodyTap): void {
  const tapped = tappedByResponse.get(c.res);
  if (tapped !== undefined) {
    tapped.add(tap);
    return;
  }

  const body = c.res.body;
  if (body === null) throw new TypeError('tapResponseBody: the response has no body.');
  const created = new TappedBody(body, tap);
  replaceBody(c, created.stream);
  tappedByResponse.set(c.res, created);
}
