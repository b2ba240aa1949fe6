/**
 * Sizes of a validated generation request: prompt characters, message count and the completion
 * token limit. The limits middleware checks them, and the rate limiter estimates tokens from them.
 */

import type { ChatCompletionRequest, CompletionRequest } from '../../openai/request-types.js';

export type GenerationRequest = CompletionRequest | ChatCompletionRequest;

/** The completion token limit the client set, and the field it used. */
export interface CompletionLimit {
  param: 'max_tokens' | 'max_completion_tokens';
  value: number;
}

export function isChatRequest(request: GenerationRequest): request is ChatCompletionRequest {
  return Array.isArray((request as ChatCompletionRequest).messages);
}

/**
 * Counts the prompt's characters (UTF-16 code units): every text part of every message, or every
 * prompt string. A prompt given as token ids counts one character per token.
 */
export function promptCharacters(request: GenerationRequest): number {
  if (isChatRequest(request)) {
    let total = 0;
    for (const message of request.messages) total += contentCharacters((message as { content?: unknown } | null)?.content);
    return total;
  }

  const { prompt } = request;
  if (prompt === null || prompt === undefined) return 0;
  if (typeof prompt === 'string') return prompt.length;

  let total = 0;
  for (const item of prompt) total += typeof item === 'string' ? item.length : Array.isArray(item) ? item.length : 1;
  return total;
}

/** Index of the first chat message that is not an object with a string `role`, or undefined. */
export function malformedMessageIndex(request: GenerationRequest): number | undefined {
  if (!isChatRequest(request)) return undefined;
  const index = request.messages.findIndex((message: unknown) => typeof message !== 'object' || message === null || typeof (message as { role?: unknown }).role !== 'string');
  return index === -1 ? undefined : index;
}

export function messageCount(request: GenerationRequest): number {
  return isChatRequest(request) ? request.messages.length : 0;
}

/** Returns the completion token limit the client set, or undefined when it set none. */
export function completionLimit(request: GenerationRequest): CompletionLimit | undefined {
  const chat = isChatRequest(request) ? request : undefined;
  if (typeof chat?.max_completion_tokens === 'number') return { param: 'max_completion_tokens', value: chat.max_completion_tokens };
  if (typeof request.max_tokens === 'number') return { param: 'max_tokens', value: request.max_tokens };
  return undefined;
}

/** Number of completions generated per prompt (`n`, default 1). */
export function choiceCount(request: GenerationRequest): number {
  return typeof request.n === 'number' && request.n > 0 ? request.n : 1;
}

function contentCharacters(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;

  let total = 0;
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === 'string') total += text.length;
  }
  return total;
}
