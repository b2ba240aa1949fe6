/**
 * Backend calls of the Node entry through undici's `request` on a keep-alive pool, in place of
 * the global `fetch`. Node's `fetch` is undici's WHATWG layer, which builds several web streams
 * and wrappers per call. `request` returns a Node stream, and this adapter wraps it in one
 * ReadableStream, so the gateway still gets a standard Response.
 */

import type { Readable } from 'node:stream';

import { Agent, request } from 'undici';

import type { FetchFunction } from '../src/gateway/forward.js';
import { markCompleteBody } from '../src/streams/complete-body.js';
import { MAX_BUFFERED_BODY_BYTES } from '../src/routing/response-body.js';

export interface NodeFetchOptions {
  /** Open connections per backend origin (default 128). */
  connections?: number;
  /** Idle time before a pooled connection closes, in milliseconds (default 30 s). */
  keepAliveTimeoutMs?: number;
}

/** Largest JSON body read whole in the transport, in bytes, the same bound as the router's. */
const MAX_WHOLE_BODY_BYTES = MAX_BUFFERED_BODY_BYTES;

/** Statuses whose responses have no body, which the Response constructor rejects a body for. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Creates a {@link FetchFunction} for backend calls. It supports what the gateway sends: a
 * method, string headers, a string body and an abort signal.
 *
 * @example
 * const app = createGateway({ backends, logger, fetch: createNodeFetch() });
 */
export function createNodeFetch(options: NodeFetchOptions = {}): { fetch: FetchFunction; close(): Promise<void> } {
  const dispatcher = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000 });

  const fetch: FetchFunction = async (input, init) => {
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('createNodeFetch: only string request bodies are supported.');
    }
    const response = await request(input, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers as Record<string, string> | undefined,
      body: init.body ?? null,
      signal: init.signal ?? null,
      dispatcher,
    });

    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
    if (NULL_BODY_STATUSES.has(response.statusCode)) {
      response.body.resume();
      return new Response(null, { status: response.statusCode, headers });
    }

    // A JSON body is read here whole, up to a bound, so the gateway passes it on as text without
    // building a web stream. Event streams, other bodies and longer JSON stream through.
    const chunks = chunksOf(response.body);
    if (headers.get('content-type')?.includes('json') === true) {
      const read: Buffer[] = [];
      let size = 0;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        read.push(next.value);
        size += next.value.byteLength;
        if (size > MAX_WHOLE_BODY_BYTES) return new Response(webStreamOf(response.body, chunks, read), { status: response.statusCode, headers });
      }
      const text = Buffer.concat(read, size).toString('utf8');
      return markCompleteBody(new Response(text, { status: response.statusCode, headers }), text);
    }
    return new Response(webStreamOf(response.body, chunks), { status: response.statusCode, headers });
  };

  return { fetch, close: () => dispatcher.close() };
}

function chunksOf(body: Readable): AsyncIterator<Buffer> {
  return body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

/**
 * Wraps the rest of a Node stream of Buffers in a ReadableStream that pulls one chunk at a time,
 * after the chunks already read from it.
 */
function webStreamOf(body: Readable, chunks: AsyncIterator<Buffer>, readAlready: readonly Buffer[] = []): ReadableStream<Uint8Array> {
  const pending = [...readAlready];
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buffered = pending.shift();
        if (buffered !== undefined) {
          controller.enqueue(new Uint8Array(buffered.buffer, buffered.byteOffset, buffered.byteLength));
          return;
        }
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      cancel(reason) {
        body.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
