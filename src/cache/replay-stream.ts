/**
 * Serves a cached response object as an OpenAI event stream, for a streaming request that hits
 * the cache: the chunks a backend would have sent, then `data: [DONE]`.
 */

import type { GenerationEndpoint } from '../openai/request-types.js';
import type { ChatCompletion, CompletionObject, TextCompletion } from './completion-types.js';
import { formatServerSentEvent } from './server-sent-events.js';

export interface ReplayOptions {
  /** The request's `stream_options.include_usage`: add a final chunk with `usage` and no choices. */
  includeUsage: boolean;
}

/**
 * Returns the chunks of `completion` as JSON-ready objects. Chat gets a content chunk per choice
 * and then one chunk with each choice's `finish_reason`. Completions get one chunk per choice.
 */
export function replayChunks(endpoint: GenerationEndpoint, completion: CompletionObject, options: ReplayOptions): Record<string, unknown>[] {
  const chunks = endpoint === 'chat.completions' ? chatChunks(completion as ChatCompletion) : textChunks(completion as TextCompletion);

  if (options.includeUsage && completion.usage !== undefined) {
    chunks.push({ ...chunkHeader(completion, endpoint), choices: [], usage: completion.usage });
  }
  return chunks;
}

/** Returns the whole event-stream body for `completion`, ending with `data: [DONE]`. */
export function replayEventStream(endpoint: GenerationEndpoint, completion: CompletionObject, options: ReplayOptions): string {
  let body = '';
  for (const chunk of replayChunks(endpoint, completion, options)) body += formatServerSentEvent(JSON.stringify(chunk));
  return body + formatServerSentEvent('[DONE]');
}

function chunkHeader(completion: CompletionObject, endpoint: GenerationEndpoint): Record<string, unknown> {
  const header: Record<string, unknown> = {
    id: completion.id,
    object: endpoint === 'chat.completions' ? 'chat.completion.chunk' : 'text_completion',
    created: completion.created,
    model: completion.model,
  };
  if (completion.system_fingerprint !== undefined) header.system_fingerprint = completion.system_fingerprint;
  return header;
}

function chatChunks(completion: ChatCompletion): Record<string, unknown>[] {
  const header = chunkHeader(completion, 'chat.completions');
  const chunks: Record<string, unknown>[] = [];

  for (const choice of completion.choices) {
    const { role, content, refusal, tool_calls: toolCalls } = choice.message;
    const delta: Record<string, unknown> = { role, content: content ?? '' };
    if (refusal !== undefined && refusal !== null) delta.refusal = refusal;
    if (toolCalls !== undefined) delta.tool_calls = toolCalls.map((call, index) => ({ index, ...call }));
    chunks.push({ ...header, choices: [{ index: choice.index, delta, logprobs: null, finish_reason: null }] });
  }

  chunks.push({
    ...header,
    choices: completion.choices.map((choice) => ({ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason })),
  });
  return chunks;
}

function textChunks(completion: TextCompletion): Record<string, unknown>[] {
  const header = chunkHeader(completion, 'completions');

  // OpenAI's completion schema requires a string finish_reason on every choice, so each choice
  // goes out whole in one chunk.
  return completion.choices.map((choice) => ({
    ...header,
    choices: [{ index: choice.index, text: choice.text, logprobs: null, finish_reason: choice.finish_reason }],
  }));
}
