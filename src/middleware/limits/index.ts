/**
 * Size limits on validated generation requests: message count, prompt length and the completion
 * token limit. The body size limit runs earlier, in the gateway (413).
 */

import type { MiddlewareHandler } from 'hono';

import { invalidRequest } from '../../openai/errors.js';
import { completionLimit, malformedMessageIndex, messageCount, promptCharacters, type GenerationRequest } from './request-measures.js';

export interface RequestLimitsOptions {
  /** Maximum number of chat messages. */
  maxMessages: number;
  /** Maximum `max_tokens` (or `max_completion_tokens`) a request may ask for. */
  maxTokens: number;
  /** Maximum prompt length in characters, summed over all messages or prompts. */
  maxPromptCharacters: number;
}

interface RequestLimitsVariables {
  openaiRequest?: GenerationRequest;
}

/**
 * Creates middleware that rejects a request over any limit with 400 `invalid_request_error`,
 * naming the offending field in `param`. Apply it after validateOpenAI.
 *
 * @example
 * app.post('/v1/chat/completions', validateOpenAI({ endpoint: 'chat.completions' }),
 *   requestLimits({ maxMessages: 256, maxTokens: 4096, maxPromptCharacters: 200_000 }), handler);
 */
export function requestLimits(options: RequestLimitsOptions): MiddlewareHandler<{ Variables: RequestLimitsVariables }> {
  for (const name of ['maxMessages', 'maxTokens', 'maxPromptCharacters'] as const) {
    const value = options?.[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`requestLimits: options.${name} must be a positive integer, got ${String(value)}.`);
    }
  }
  const { maxMessages, maxTokens, maxPromptCharacters } = options;

  return async function requestLimitsMiddleware(c, next) {
    const request = c.get('openaiRequest');
    if (request === undefined) throw new TypeError('requestLimits: apply validateOpenAI before this middleware.');

    // NOTE: the generated schema validator accepts non-object entries in `messages` (such as
    // `[0]`), so they are rejected here until the validator itself does.
    const malformed = malformedMessageIndex(request);
    if (malformed !== undefined) {
      throw invalidRequest(`Invalid 'messages[${malformed}]': expected an object with a 'role'.`, `messages[${malformed}]`, 'invalid_type');
    }

    const messages = messageCount(request);
    if (messages > maxMessages) {
      throw invalidRequest(`The request has ${messages} messages; the maximum is ${maxMessages}.`, 'messages', 'too_many_messages');
    }

    const limit = completionLimit(request);
    if (limit !== undefined && limit.value > maxTokens) {
      throw invalidRequest(`${limit.param} is ${limit.value}; the maximum this gateway accepts is ${maxTokens}.`, limit.param, 'max_tokens_too_large');
    }

    const characters = promptCharacters(request);
    if (characters > maxPromptCharacters) {
      const param = 'messages' in request ? 'messages' : 'prompt';
      throw invalidRequest(`The prompt is ${characters} characters long; the maximum is ${maxPromptCharacters}.`, param, 'prompt_too_long');
    }

    await next();
  };
}
