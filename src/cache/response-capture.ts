/**
 * A body tap that reads every chunk on its way to the client and, when the body completes,
 * rebuilds the complete response object for the cache.
 */

import type { GenerationEndpoint } from '../openai/request-types.js';
import { isCompletionObject, type CompletionObject } from './completion-types.js';
import type { BodyTap } from '../streams/body-tap.js';
import { concatBytes } from '../streams/concat-bytes.js';
import { CompletionStreamAssembler, UnassemblableStreamError } from './stream-assembler.js';

export interface ResponseCaptureOptions {
  endpoint: GenerationEndpoint;
  /** Whether the body is an event stream (`stream: true`) rather than one JSON object. */
  streaming: boolean;
  /** Larger JSON bodies are passed through but not captured, in bytes. */
  maxBodyBytes: number;
  /**
   * Called once after the last chunk, before the stream closes, with the complete object. It is
   * not called for a body that was cancelled, failed, lacked `[DONE]` or was not a completion.
   */
  onComplete: (completion: CompletionObject) => Promise<void>;
  /** Called instead of `onComplete` with the reason the body cannot be cached. */
  onSkip: (reason: string) => void;
}

/**
 * Returns a tap for the response body. A body that the client cancelled or that failed upstream
 * is never stored.
 */
export function responseCaptureTap(options: ResponseCaptureOptions): BodyTap {
  return options.streaming ? captureEventStream(options) : captureJson(options);
}

function captureEventStream(options: ResponseCaptureOptions): BodyTap {
  const assembler = new CompletionStreamAssembler(options.endpoint);
  let skipReason: string | undefined;
  let sawDone = false;

  return {
    event(event) {
      if (skipReason !== undefined) return;
      if (event.data === '[DONE]') {
        sawDone = true;
        return;
      }
      if (event.type !== 'message') {
        skipReason = `the stream contains a '${event.type}' event`;
        return;
      }

      const chunk = event.json();
      if (chunk === undefined) {
        skipReason = 'an event of the stream is not valid JSON';
        return;
      }
      try {
        assembler.add(chunk);
      } catch (error) {
        if (!(error instanceof UnassemblableStreamError)) throw error;
        skipReason = error.message;
      }
    },
    async end(outcome) {
      if (outcome !== 'complete') return;
      if (skipReason === undefined && !sawDone) skipReason = 'the stream ended without [DONE]';
      if (skipReason !== undefined) return options.onSkip(skipReason);

      let completion: CompletionObject;
      try {
        completion = assembler.finish();
      } catch (error) {
        if (!(error instanceof UnassemblableStreamError)) throw error;
        return options.onSkip(error.message);
      }
      await options.onComplete(completion);
    },
  };
}

function captureJson(options: ResponseCaptureOptions): BodyTap {
  const chunks: Uint8Array[] = [];
  let size = 0;

  return {
    chunk(chunk) {
      size += chunk.byteLength;
      if (size <= options.maxBodyBytes) chunks.push(chunk);
    },
    async end(outcome) {
      if (outcome !== 'complete') return;
      if (size > options.maxBodyBytes) return options.onSkip(`the body is larger than ${options.maxBodyBytes} bytes`);

      const result = completionOfJson(new TextDecoder().decode(concatBytes(chunks, size)));
      if (typeof result === 'string') return options.onSkip(result);
      await options.onComplete(result);
    },
  };
}

/**
 * Returns the completion object of a whole JSON body, or the reason it cannot be cached.
 * `maxBodyBytes` bounds the body's UTF-8 size when given.
 */
export function completionOfJson(text: string, maxBodyBytes?: number): CompletionObject | string {
  // n UTF-16 units encode to n to 3n UTF-8 bytes, so only lengths in between need measuring.
  if (maxBodyBytes !== undefined && text.length * 3 > maxBodyBytes) {
    const size = text.length > maxBodyBytes ? text.length : new TextEncoder().encode(text).byteLength;
    if (size > maxBodyBytes) return `the body is larger than ${maxBodyBytes} bytes`;
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return 'the body is not valid JSON';
  }
  return isCompletionObject(body) ? body : 'the body is not a completion object';
}
