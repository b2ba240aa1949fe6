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
import { replaceBody } from '../replace-body.js';

interface StreamUsageVariables {
  openaiRequest?: GenerationRequest;
}

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
    const body = c.res.body;
    const isEventStream = c.res.headers.get('content-type')?.startsWith('text/event-stream') === true;
    if (!isEventStream || body === null || c.res.status !== 200) return;
    replaceBody(c, withoutUsageChunks(body));
  };
}

/**
 * Returns `body` without its usage-only chunks. Events pass whole, so bytes are held back only
 * while an event has not ended. The text of every other event is unchanged.
 */
export function withoutUsageChunks(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            const rest = pending + decoder.decode();
            if (rest !== '') controller.enqueue(encoder.encode(rest));
            controller.close();
            return;
          }

          const { events, rest } = splitEvents(pending + decoder.decode(value, { stream: true }));
          pending = rest;
          const forwarded = events.filter((event) => !isUsageChunk(event)).join('');
          if (forwarded !== '') {
            controller.enqueue(encoder.encode(forwarded));
            return;
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Returns whether one whole event is a chunk with empty `choices` and a `usage` object. */
function isUsageChunk(event: string): boolean {
  // Content chunks are the common case, and most never name usage.
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
