/**
 * The parts of OpenAI's completion and chat completion objects that the cache reads, writes or
 * replays. Other fields are kept as they came from the backend.
 */

/** OpenAI's `CompletionUsage`: token counts of one request. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  [field: string]: unknown;
}

export interface ChatCompletionChoice {
  index: number;
  message: { role: string; content: string | null; refusal?: string | null; tool_calls?: ToolCall[]; [field: string]: unknown };
  logprobs: unknown;
  finish_reason: string | null;
}

/** `chat.completion` response body. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  [field: string]: unknown;
}

export interface TextCompletionChoice {
  index: number;
  text: string;
  logprobs: unknown;
  finish_reason: string | null;
}

/** `text_completion` response body of the legacy completions endpoint. */
export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: TextCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  [field: string]: unknown;
}

export type CompletionObject = ChatCompletion | TextCompletion;

/** Returns the response's `usage` when it has the three token counts, else undefined. */
export function usageOf(body: unknown): CompletionUsage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const usage = (body as { usage?: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return undefined;

  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage as Record<string, unknown>;
  if (typeof prompt !== 'number' || typeof completion !== 'number' || typeof total !== 'number') return undefined;
  return usage as CompletionUsage;
}

/** Returns whether `body` looks like a complete completion object of the endpoint's kind. */
export function isCompletionObject(body: unknown): body is CompletionObject {
  if (typeof body !== 'object' || body === null) return false;
  const { object, choices } = body as { object?: unknown; choices?: unknown };
  return (object === 'chat.completion' || object === 'text_completion') && Array.isArray(choices) && choices.length > 0;
}
