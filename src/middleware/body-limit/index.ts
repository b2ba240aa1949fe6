/**
 * Request body size limit that responds 413 in OpenAI's error shape.
 *
 * Unlike Hono's `hono/body-limit`, it reads an oversized chunked body to its end (up to a bound)
 * before it responds. Under `wrangler dev` (4.84), a response sent while the client was still
 * sending left the connection broken: the next request on it failed with "Your worker restarted
 * mid-request".
 */

import type { Context, MiddlewareHandler } from 'hono';

import { ApiError } from '../../openai/errors.js';
import { concatBytes } from '../../streams/concat-bytes.js';

export interface BodyLimitOptions {
  /** Largest accepted body, in bytes. */
  maxBytes: number;
  /**
   * Returns the body as chunks from a cheaper source than `c.req.raw.body` (the Node entry reads
   * the socket), or undefined to use `c.req.raw.body`. A body read this way is always read whole,
   * and later `c.req.text()` calls get it from Hono's body cache.
   */
  source?: (c: Context) => AsyncIterable<Uint8Array> | undefined;
  /**
   * Bytes past `maxBytes` that are still read and dropped from a chunked or source body before the
   * 413, so the connection stays usable (default 16 × `maxBytes`). Reading stops after that.
   */
  maxDrainBytes?: number;
}

/**
 * Rejects request bodies over `maxBytes` with 413 `request_too_large`. A body with a
 * `content-length` is judged by that header alone. A chunked body is read and counted, and one
 * within the limit is handed on as a buffer.
 *
 * @example
 * app.post('/v1/chat/completions', bodyLimit({ maxBytes: 1024 * 1024 }), handler);
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const maxBytes = options?.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError(`bodyLimit: options.maxBytes must be a positive integer, got ${String(maxBytes)}.`);
  const maxDrainBytes = options.maxDrainBytes ?? 16 * maxBytes;
  if (!Number.isSafeInteger(maxDrainBytes) || maxDrainBytes < 0) {
    throw new TypeError(`bodyLimit: options.maxDrainBytes must be a non-negative integer, got ${String(maxDrainBytes)}.`);
  }

  const tooLarge = (): ApiError =>
    new ApiError(`The request body is larger than the limit of ${maxBytes} bytes.`, { status: 413, type: 'invalid_request_error', code: 'request_too_large' });

  return async function bodyLimitMiddleware(c, next) {
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (length !== undefined && !chunked && Number(length) > maxBytes) throw tooLarge();

    const source = options.source?.(c);
    if (source !== undefined) {
      // Node reads and discards the rest of a request it answered early, so the source is left as is.
      const iterator = source[Symbol.asyncIterator]();
      const nextChunk = async (): Promise<Uint8Array | undefined> => {
        const result = await iterator.next();
        return result.done === true ? undefined : result.value;
      };
      const body = await readLimited({ next: nextChunk, stop: async () => undefined }, maxBytes, maxDrainBytes, tooLarge);
      c.req.bodyCache.text = new TextDecoder().decode(body);
      return next();
    }

    const raw = c.req.raw;
    if (raw.body === null || (length !== undefined && !chunked)) return next();

    const reader = raw.body.getReader();
    const nextChunk = async (): Promise<Uint8Array | undefined> => {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    };
    const body = await readLimited({ next: nextChunk, stop: () => reader.cancel() }, maxBytes, maxDrainBytes, tooLarge);
    c.req.raw = new Request(raw, { body });
    await next();
  };
}

interface ChunkReader {
  /** Resolves with the next chunk, or undefined at the end of the body. */
  next(): Promise<Uint8Array | undefined>;
  /** Stops reading a body that is too long to drain. */
  stop(): Promise<void>;
}

/**
 * Reads a body whole. A body over `maxBytes` is read on and dropped up to `maxDrainBytes` more
 * bytes, so the client can finish sending, and then rejected with 413.
 */
async function readLimited(reader: ChunkReader, maxBytes: number, maxDrainBytes: number, tooLarge: () => ApiError): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
    size += chunk.byteLength;
    if (size > maxBytes + maxDrainBytes) {
      await reader.stop();
      break;
    }
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (size > maxBytes) throw tooLarge();
  return concatBytes(chunks, size);
}
