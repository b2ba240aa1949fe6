/**
 * Wire format of a backend batch call: `POST {baseURL}/batch/completions` with a JSON body
 * `{"requests":[{"endpoint":"completions"|"chat.completions","body":{...},"requestId":"..."}]}`,
 * with one `text/event-stream` reply that multiplexes every response. Each event's data is
 * one {@link BatchEvent} tagged with the index of its request; a request's events arrive in
 * order (`head`, then `chunk`s, then `end`), interleaved with other requests' events.
 */

import type { GenerationEndpoint } from '../openai/request-types.js';

export const BATCH_PATH = '/batch/completions';

export interface BatchRequestItem {
  endpoint: GenerationEndpoint;
  body: Record<string, unknown>;
  requestId?: string;
}

export interface BatchRequestBody {
  requests: BatchRequestItem[];
}

export type BatchEvent =
  /** The response status and headers of request `index`. */
  | { index: number; type: 'head'; status: number; headers: Record<string, string> }
  /** Part of the response body of request `index`, as UTF-8 text. */
  | { index: number; type: 'chunk'; data: string }
  /** The body of request `index` is complete. */
  | { index: number; type: 'end' }
  /** The body of request `index` failed after its head was sent. */
  | { index: number; type: 'error'; message: string };

/** Largest batch a backend accepts in one call. */
export const MAX_BATCH_REQUESTS = 256;

/** Validates a parsed batch body; returns a message naming the first problem, or null. */
export function findBatchBodyProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as BatchRequestBody).requests)) return "The body must be an object with a 'requests' array.";
  const { requests } = body as BatchRequestBody;
  if (requests.length === 0 || requests.length > MAX_BATCH_REQUESTS) return `'requests' must contain 1 to ${MAX_BATCH_REQUESTS} items, got ${requests.length}.`;

  for (const [index, item] of requests.entries()) {
    if (item?.endpoint !== 'completions' && item?.endpoint !== 'chat.completions') return `requests[${index}].endpoint must be completions or chat.completions.`;
    if (typeof item.body !== 'object' || item.body === null || Array.isArray(item.body)) return `requests[${index}].body must be a request object.`;
  }
  return null;
}
