/**
 * Reads the `usage` object of OpenAI-compatible responses, from a JSON body or from the
 * server-sent event that contains it in a stream (`stream_options.include_usage`).
 */

/** Token counts under the names the API uses. */
export interface UsageCounts {
  prompt_tokens: number;
  completion_tokens: number;
}

/** Parses `text` as JSON, or returns undefined when it is not valid JSON. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Returns `body.usage`, or undefined unless it is an object with numeric `prompt_tokens` and `completion_tokens`. */
export function readResponseUsage(body: unknown): UsageCounts | undefined {
  if (!isRecord(body) || !isRecord(body.usage)) return undefined;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = body.usage;
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') return undefined;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
