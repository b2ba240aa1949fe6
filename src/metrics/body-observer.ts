/**
 * Observes a response body while passing it on unchanged: the time of the first chunk, and the
 * token usage, read from the `usage` object of a JSON body or of the final server-sent event.
 * Chunks are forwarded as they arrive; only a JSON body's text (up to {@link MAX_JSON_BYTES}) is
 * kept, to find `usage` at the end. Events come parsed from the shared tapped stream.
 */

import { parseJsonOrUndefined, readResponseUsage } from '../openai/response-usage.js';
import { tappedStream, type BodyTap } from '../streams/body-tap.js';

/** JSON bodies longer than this are passed on without reading their usage. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface BodyObservation {
  /** Clock value at the first chunk; null for an empty body. */
  firstChunkAt: number | null;
  endedAt: number;
  /** From `usage`; null when the body reports none. */
  usage: TokenUsage | null;
  /** Stream events that carried generated text, a stand-in for completion tokens without usage. */
  contentEvents: number;
  /** False when the client went away or the backend stream failed before the end. */
  complete: boolean;
  /** Text of each choice, for server-sent events and JSON bodies; used to compare variants. */
  text: string;
}

export type BodyKind = 'event-stream' | 'json' | 'other';

/** Text kept per body for variant comparison, in characters. */
const MAX_TEXT_CHARS = 16 * 1024;

/** Returns a stream that yields the chunks of `body` unchanged, observed by {@link bodyObserverTap}. */
export function observeBody(body: ReadableStream<Uint8Array>, kind: BodyKind, now: () => number, onEnd: (observation: BodyObservation) => void): ReadableStream<Uint8Array> {
  return tappedStream(body, bodyObserverTap(kind, now, onEnd));
}

/** Returns a tap that calls `onEnd` once, when the body ends, fails or is cancelled by the reader. */
export function bodyObserverTap(kind: BodyKind, now: () => number, onEnd: (observation: BodyObservation) => void): BodyTap {
  const decoder = new TextDecoder();
  let firstChunkAt: number | null = null;
  let jsonText = '';
  let jsonTooLong = false;
  let usage: TokenUsage | null = null;
  let contentEvents = 0;
  let text = '';

  const tap: BodyTap = {
    chunk(chunk) {
      if (firstChunkAt === null) firstChunkAt = now();
      if (kind !== 'json' || jsonTooLong) return;
      jsonText += decoder.decode(chunk, { stream: true });
      if (jsonText.length > MAX_JSON_BYTES) {
        jsonTooLong = true;
        jsonText = '';
      }
    },
    end(outcome) {
      const complete = outcome === 'complete';
      if (complete && kind === 'json' && !jsonTooLong) ({ usage, text } = observeCompleteJson(jsonText));
      onEnd({ firstChunkAt, endedAt: now(), usage, contentEvents, complete, text });
    },
  };
  if (kind === 'event-stream') {
    tap.event = (event) => {
      const chunk = event.json();
      usage = readUsage(chunk) ?? usage;
      const delta = readChoiceText(chunk);
      if (delta === '') return;
      contentEvents += 1;
      if (text.length < MAX_TEXT_CHARS) text += delta;
    };
  }
  return tap;
}

/** Returns the usage and first-choice text of a whole JSON body. */
export function observeCompleteJson(jsonText: string): Pick<BodyObservation, 'usage' | 'text'> {
  if (jsonText.length > MAX_JSON_BYTES) return { usage: null, text: '' };
  const parsed = parseJsonOrUndefined(jsonText);
  return { usage: readUsage(parsed), text: readChoiceText(parsed).slice(0, MAX_TEXT_CHARS) };
}

function readUsage(body: unknown): TokenUsage | null {
  const counts = readResponseUsage(body);
  return counts === undefined ? null : { promptTokens: counts.prompt_tokens, completionTokens: counts.completion_tokens };
}

/** Text of the first choice: `text` for completions, `message.content` or `delta.content` for chat. */
export function readChoiceText(body: unknown): string {
  if (!isRecord(body) || !Array.isArray(body.choices)) return '';
  const choice: unknown = body.choices[0];
  if (!isRecord(choice)) return '';
  if (typeof choice.text === 'string') return choice.text;
  const message = isRecord(choice.delta) ? choice.delta : choice.message;
  return isRecord(message) && typeof message.content === 'string' ? message.content : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
