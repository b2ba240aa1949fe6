/**
 * Usage for every stream. A streamed completion reports its token usage only when the request sets
 * `stream_options.include_usage`. Without it the usage limits could charge only their estimate,
 * the metrics would miss the token counts, and the result cache could not store the stream.
 *
 * So the forwarder requests usage from the backend on every stream ({@link withStreamUsage}).
 * {@link omitUnrequestedUsage}, mounted outside every middleware that observes bodies, then takes
 * the final usage-only chunk out of the stream of a client that did not set the option. The other
 * chunks reach that client as the backend sent them, with the `"usage": null` that OpenAI's
 * streams carry on each chunk when usage is on; OpenAI's schema allows it there.
 */

import type { MiddlewareHandler } from 'hono';

import type { GenerationRequest } from '../limits/request-measures.js';
import { EventStreamParser } from '../../sse/event-stream-parser.js';
import { splitEvents } from '../../sse/split-events.js';
import { filterResponseBody } from '../body-taps.js';

interface StreamUsageVariables {
  openaiRequest?: GenerationRequest;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** `"usage"` in UTF-8, searched from its `g`, a byte that content chunks rarely contain. */
const USAGE_NAME = encoder.encode('"usage"');
const ANCHOR = USAGE_NAME.indexOf(0x67);
const COLON = 0x3a;
const OPENING_BRACE = 0x7b;
/** JSON whitespace: space, tab, LF and CR. */
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Returns whether the client wants a stream without `stream_options.include_usage`. */
export function omitsStreamUsage(request: GenerationRequest): boolean {
  return request.stream === true && request.stream_options?.include_usage !== true;
}

/**
 * Returns the body to send to the backend: `request` with `stream_options.include_usage` set when
 * it streams without it, or `request` itself. A backend whose parameter map drops
 * `stream_options` still gets no such field.
 */
export function withStreamUsage<R extends GenerationRequest>(request: R): R {
  if (!omitsStreamUsage(request)) return request;
  return { ...request, stream_options: { ...request.stream_options, include_usage: true } };
}

/**
 * Creates middleware that removes the usage-only chunk (empty `choices` and a `usage` object) from
 * the event stream of a request that streams without `stream_options.include_usage`. Mount it
 * before every middleware that reads usage from bodies, so that they still see the chunk.
 *
 * @example
 * app.use('/v1/chat/completions', omitUnrequestedUsage());
 * app.use('/v1/chat/completions', metrics({ store, costModel, logger }));
 */
export function omitUnrequestedUsage(): MiddlewareHandler<{ Variables: StreamUsageVariables }> {
  return async function omitUnrequestedUsageMiddleware(c, next) {
    await next();

    const request = c.get('openaiRequest');
    if (request === undefined || !omitsStreamUsage(request)) return;
    const isEventStream = c.res.headers.get('content-type')?.startsWith('text/event-stream') === true;
    if (!isEventStream || c.res.status !== 200 || c.res.body === null) return;
    filterResponseBody(c, withoutUsageChunk);
  };
}

/**
 * Returns `chunk` without its usage-only events, or `chunk` itself when it has none. Gateway
 * streams arrive in whole events (the router cuts backend streams at event boundaries, and
 * cached replays and coalesced flights keep those chunks). A chunk that does not end at an event
 * boundary passes unchanged, because its last event could not be judged.
 */
export function withoutUsageChunk(chunk: Uint8Array): Uint8Array {
  // Content chunks are the common case. With usage on they carry `"usage":null`, and they pass
  // without being decoded.
  if (!containsUsageObject(chunk)) return chunk;

  const { events, rest } = splitEvents(decoder.decode(chunk));
  if (rest !== '') return chunk;

  // Line breaks before a usage event can end the previous event, cut from it by the chunking,
  // so they stay.
  let dropped = false;
  const kept = events.map((event) => {
    if (!isUsageChunk(event)) return event;
    dropped = true;
    return leadingLineBreaks(event);
  });
  return dropped ? encoder.encode(kept.join('')) : chunk;
}

function leadingLineBreaks(event: string): string {
  return /^[\r\n]*/.exec(event)![0];
}

/**
 * Returns whether `bytes` contain `"usage"` followed by a colon and an object, jumping between
 * anchor bytes with the native search. JSON allows whitespace around the colon.
 */
function containsUsageObject(bytes: Uint8Array): boolean {
  for (let at = bytes.indexOf(0x67, ANCHOR); at !== -1; at = bytes.indexOf(0x67, at + 1)) {
    const start = at - ANCHOR;
    if (start + USAGE_NAME.length > bytes.length) return false;
    if (USAGE_NAME.every((byte, offset) => bytes[start + offset] === byte) && objectFollows(bytes, start + USAGE_NAME.length)) return true;
  }
  return false;
}

/** Returns whether a colon and then `{` come at `index`, with only JSON whitespace around the colon. */
function objectFollows(bytes: Uint8Array, index: number): boolean {
  let position = skipWhitespace(bytes, index);
  if (bytes[position] !== COLON) return false;
  position = skipWhitespace(bytes, position + 1);
  return bytes[position] === OPENING_BRACE;
}

function skipWhitespace(bytes: Uint8Array, index: number): number {
  let position = index;
  while (position < bytes.length && JSON_WHITESPACE.has(bytes[position]!)) position += 1;
  return position;
}

/** Returns whether one whole event is a chunk with empty `choices` and a `usage` object. */
function isUsageChunk(event: string): boolean {
  if (!event.includes('"usage"')) return false;

  let data: string | undefined;
  const parser = new EventStreamParser((parsed) => (data = parsed.data));
  parser.push(event);
  parser.end();
  if (data === undefined || data === '[DONE]') return false;

  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
  if (typeof chunk !== 'object' || chunk === null) return false;
  const { choices, usage } = chunk as { choices?: unknown; usage?: unknown };
  return Array.isArray(choices) && choices.length === 0 && typeof usage === 'object' && usage !== null;
}
