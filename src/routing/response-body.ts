/**
 * Body handling that keeps every client response clean when a backend fails mid-response.
 *
 * A non-streaming body is read whole before anything goes to the client, so a failure while
 * reading it is still retryable. A stream is passed on event by event: bytes after the last
 * complete event are held back until the event ends, so if the backend stops mid-stream the
 * client gets whole events followed by one OpenAI-shaped error event, never half an event.
 */

import { ApiError } from '../openai/errors.js';
import { concatBytes } from '../streams/concat-bytes.js';

/** Largest non-streaming body read into memory, in bytes. */
export const MAX_BUFFERED_BODY_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export function backendResponseInterrupted(backendName: string, cause: unknown): ApiError {
  return new ApiError(`The backend '${backendName}' stopped before finishing its response. Retry the request.`, {
    status: 502,
    type: 'api_error',
    code: 'backend_response_interrupted',
    cause,
  });
}

/** Reads a whole body; a read failure becomes a retryable 502. */
export async function readWholeBody(body: ReadableStream<Uint8Array>, backendName: string): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;

  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw backendResponseInterrupted(backendName, error);
    }
    if (result.done) break;

    length += result.value.byteLength;
    if (length > MAX_BUFFERED_BODY_BYTES) {
      await reader.cancel();
      throw new ApiError(`The backend '${backendName}' returned a body over ${MAX_BUFFERED_BODY_BYTES} bytes.`, { status: 502, type: 'api_error', code: 'invalid_backend_response' });
    }
    chunks.push(result.value);
  }
  return concatBytes(chunks, length);
}

/**
 * Returns `body` re-chunked at event boundaries (a blank line). When reading fails, the partialEvent
 * partial event is dropped and an error event in OpenAI's shape ends the stream. `onEnd` runs once
 * when the stream finishes, fails or is cancelled.
 */
export function guardEventStream(body: ReadableStream<Uint8Array>, backendName: string, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const boundary = new EventBoundaryScanner();
  let partialEvent: Uint8Array = new Uint8Array(0);
  let ended = false;
  const end = () => {
    if (!ended) onEnd();
    ended = true;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          end();
          const apiError = backendResponseInterrupted(backendName, error);
          controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(apiError.toJSON())}\n\n`));
          controller.close();
          return;
        }

        if (result.done) {
          end();
          if (partialEvent.byteLength > 0) controller.enqueue(partialEvent);
          controller.close();
          return;
        }

        const combined = concat(partialEvent, result.value);
        const cut = boundary.lastBoundary(result.value, partialEvent.byteLength);
        if (cut === undefined) {
          partialEvent = combined;
          continue;
        }
        partialEvent = combined.slice(cut);
        controller.enqueue(combined.subarray(0, cut));
        return;
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}

/**
 * Finds where events end in a byte stream: after two line terminators in a row (LF, CR or CRLF
 * counting once). The state carries across chunks.
 */
class EventBoundaryScanner {
  #terminators = 0;
  #afterCR = false;

  /** Returns the offset in the combined buffer just after the last boundary inside `chunk`. */
  lastBoundary(chunk: Uint8Array, offset: number): number | undefined {
    if (!this.#afterCR && chunk.indexOf(CR) === -1) return this.#lastBoundaryWithoutCR(chunk, offset);

    let last: number | undefined;
    for (let index = 0; index < chunk.byteLength; index += 1) {
      const byte = chunk[index];
      if (byte === CR) {
        this.#terminators += 1;
        this.#afterCR = true;
      } else if (byte === LF) {
        if (!this.#afterCR) this.#terminators += 1;
        this.#afterCR = false;
      } else {
        this.#terminators = 0;
        this.#afterCR = false;
      }

      const nextIsLF = index + 1 < chunk.byteLength && chunk[index + 1] === LF && byte === CR;
      if (this.#terminators >= 2 && !nextIsLF) {
        last = offset + index + 1;
        this.#terminators = 0;
      }
    }
    return last;
  }

  /**
   * The same scan for a chunk with LF terminators only, the usual case: it jumps from LF to LF
   * with the native search instead of testing every byte in JavaScript.
   */
  #lastBoundaryWithoutCR(chunk: Uint8Array, offset: number): number | undefined {
    let last: number | undefined;
    // A count carried from the previous chunk goes on only if this chunk starts with an LF.
    let previous = -1;
    for (let index = chunk.indexOf(LF); index !== -1; index = chunk.indexOf(LF, index + 1)) {
      if (index !== previous + 1) this.#terminators = 0;
      this.#terminators += 1;
      if (this.#terminators >= 2) {
        last = offset + index + 1;
        this.#terminators = 0;
      }
      previous = index;
    }
    if (previous !== chunk.byteLength - 1) this.#terminators = 0;
    return last;
  }
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.byteLength === 0) return second;
  const combined = new Uint8Array(first.byteLength + second.byteLength);
  combined.set(first, 0);
  combined.set(second, first.byteLength);
  return combined;
}
