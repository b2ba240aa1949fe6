/**
 * Runtime-specific access to an incoming request, for an entry that can read it more cheaply than
 * through the Web `Request` object. In Node, @hono/node-server builds a full `Request` (with a web
 * stream over the socket) the first time its body or signal is read, which costs more per request
 * than the rest of its request handling.
 */

import type { Context } from 'hono';

export interface RequestSource {
  /** Returns the request body as chunks, or undefined to read `c.req.raw.body`. */
  body(c: Context): AsyncIterable<Uint8Array> | undefined;
  /** Returns a signal that aborts when the client goes away, or undefined to use `c.req.raw.signal`. */
  signal(c: Context): AbortSignal | undefined;
}
