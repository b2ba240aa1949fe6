/**
 * Reads the `usage` object of a response while its body streams to the client, without delaying or
 * changing any byte: from the JSON body of a plain response, or from the server-sent event that
 * carries it in a stream (`stream_options.include_usage`).
 */

import { parseJsonOrUndefined, readResponseUsage } from '../openai/response-usage.js';
import { tappedStream, type BodyOutcome, type BodyTap } from '../streams/body-tap.js';
import type { TokenUsage } from './pricing.js';

/** JSON bodies longer than this are not parsed for usage, in bytes. */
const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024;

export type { BodyOutcome } from '../streams/body-tap.js';

/**
 * Returns a tap that reads the usage of a body and, once the body ends, and before the client
 * sees the end, awaits `onEnd` with the usage found (undefined if none) and the outcome.
 */
export function usageTap(format: 'json' | 'event-stream', onEnd: (usage: TokenUsage | undefined, outcome: BodyOutcome) => Promise<void>): BodyTap {
  if (format === 'event-stream') {
    let usage: TokenUsage | undefined;
    return {
      event: (event) => {
        usage = readResponseUsage(event.json()) ?? usage;
      },
      end: (outcome) => onEnd(usage, outcome),
    };
  }

  const extractor = new JsonUsageExtractor();
  return {
    chunk: (chunk) => extractor.push(chunk),
    end: (outcome) => onEnd(outcome === 'complete' ? extractor.finish() : undefined, outcome),
  };
}

/** Returns a stream with the same bytes as `body`, tapped by {@link usageTap}. */
export function tapUsage(
  body: ReadableStream<Uint8Array>,
  format: 'json' | 'event-stream',
  onEnd: (usage: TokenUsage | undefined, outcome: BodyOutcome) => Promise<void>,
): ReadableStream<Uint8Array> {
  return tappedStream(body, usageTap(format, onEnd));
}

/**
 * Returns the `usage` of a whole JSON body, or undefined when it has none or is not JSON. A body
 * without usage leaves the reservation to be settled at its estimate.
 */
export function usageOfJson(text: string): TokenUsage | undefined {
  return readResponseUsage(parseJsonOrUndefined(text));
}

/** Keeps a JSON body, up to its bound, to read its usage at the end. */
class JsonUsageExtractor {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;

  push(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    if (this.#bytes <= MAX_JSON_BODY_BYTES) this.#chunks.push(chunk);
  }

  finish(): TokenUsage | undefined {
    if (this.#bytes > MAX_JSON_BODY_BYTES) return undefined;
    const decoder = new TextDecoder();
    return usageOfJson(this.#chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode());
  }
}

