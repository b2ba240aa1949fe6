/**
 * OpenAI response objects for the two generation endpoints: the full response and the stream
 * chunks of `text_completion` (legacy completions) and `chat.completion` / `chat.completion.chunk`.
 */

import type { FinishReason } from '../runtime/generation.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Fields every object of one response shares: each stream chunk repeats the same id and created. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export interface CompletedChoice {
  text: string;
  finishReason: FinishReason;
}

export interface ResponseFormat {
  idPrefix: string;
  response(meta: ResponseMeta, choices: readonly CompletedChoice[], usage: Usage): object;
  /** Chunks sent before any text, such as the chat `role` chunk of each choice. */
  openingChunks(meta: ResponseMeta, choiceCount: number, includeUsage: boolean): object[];
  deltaChunk(meta: ResponseMeta, index: number, text: string, includeUsage: boolean): object;
  finishChunk(meta: ResponseMeta, index: number, finishReason: FinishReason, includeUsage: boolean): object;
  /** The last chunk when `stream_options.include_usage` is set: empty `choices` and the usage. */
  usageChunk(meta: ResponseMeta, usage: Usage): object;
  /** Adjusts the text of a choice as it streams; chat drops the reply's leading whitespace. */
  createTextFilter(): (text: string) => string;
}

/**
 * Legacy completions. Stream chunks carry `finish_reason: null` until the last one, as OpenAI's
 * stream does, although the shared `CreateCompletionResponse` schema declares it non-null. Their
 * `usage` is left out rather than sent as null, which that schema does not allow either.
 */
export const completionFormat: ResponseFormat = {
  idPrefix: 'cmpl-',
  response: (meta, choices, usage) => ({
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: choices.map((choice, index) => ({ index, text: choice.text, logprobs: null, finish_reason: choice.finishReason })),
    usage,
  }),
  openingChunks: () => [],
  deltaChunk: (meta, index, text) => completionChunk(meta, index, text, null),
  finishChunk: (meta, index, finishReason) => completionChunk(meta, index, '', finishReason),
  usageChunk: (meta, usage) => ({ id: meta.id, object: 'text_completion', created: meta.created, model: meta.model, choices: [], usage }),
  createTextFilter: () => (text) => text,
};

function completionChunk(meta: ResponseMeta, index: number, text: string, finishReason: FinishReason | null): object {
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index, text, logprobs: null, finish_reason: finishReason }],
  };
}

export const chatFormat: ResponseFormat = {
  idPrefix: 'chatcmpl-',
  response: (meta, choices, usage) => ({
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: choices.map((choice, index) => ({
      index,
      message: { role: 'assistant', content: choice.text, refusal: null },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage,
  }),
  openingChunks: (meta, choiceCount, includeUsage) =>
    Array.from({ length: choiceCount }, (_, index) => chatChunk(meta, index, { role: 'assistant', content: '' }, null, includeUsage)),
  deltaChunk: (meta, index, text, includeUsage) => chatChunk(meta, index, { content: text }, null, includeUsage),
  finishChunk: (meta, index, finishReason, includeUsage) => chatChunk(meta, index, {}, finishReason, includeUsage),
  usageChunk: (meta, usage) => ({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage }),
  createTextFilter: () => {
    let started = false;
    return (text) => {
      if (started) return text;
      const trimmed = text.trimStart();
      started = trimmed.length > 0;
      return trimmed;
    };
  },
};

function chatChunk(meta: ResponseMeta, index: number, delta: object, finishReason: FinishReason | null, includeUsage: boolean): object {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    ...(includeUsage ? { usage: null } : {}),
  };
}
