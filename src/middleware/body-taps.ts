/**
 * Body observation for middleware: every middleware that taps or filters a response adds its
 * observer or filter to one shared stream instead of wrapping the body once more.
 */

import type { Context } from 'hono';

import { TappedBody, type BodyFilter, type BodyTap } from '../streams/body-tap.js';
import { replaceBody } from './replace-body.js';

const tappedByResponse = new WeakMap<Response, TappedBody>();

/**
 * Adds `tap` to the body of `c.res`. The first tap replaces the body with a tapped stream, and
 * later taps on that response join it. Taps end in the order they were added, innermost
 * middleware first. `c.res` must have a body that nothing has read yet.
 */
export function tapResponseBody(c: Context, tap: BodyTap): void {
  tappedBodyOf(c, 'tapResponseBody').add(tap);
}

/**
 * Adds `filter` to the body of `c.res`, on the same shared stream as the taps: the filter gets
 * each chunk after every tap added so far, and the client gets what it returns. Middleware that
 * filters must run outside those that tap, so that their taps are added first.
 */
export function filterResponseBody(c: Context, filter: BodyFilter): void {
  tappedBodyOf(c, 'filterResponseBody').addFilter(filter);
}

/** Returns the shared tapped body of `c.res`, replacing the body with one the first time. */
function tappedBodyOf(c: Context, caller: string): TappedBody {
  const tapped = tappedByResponse.get(c.res);
  if (tapped !== undefined) return tapped;

  const body = c.res.body;
  if (body === null) throw new TypeError(`${caller}: the response has no body.`);
  const created = new TappedBody(body);
  replaceBody(c, created.stream);
  tappedByResponse.set(c.res, created);
  return created;
}
