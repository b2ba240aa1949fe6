/**
 * Rules that OpenAI's schema does not express but a server must enforce: the schema allows a
 * negative `max_tokens` in chat requests, `stream_options` without streaming, and `best_of`
 * smaller than `n`, none of which a backend can honor.
 *
 * Each rule returns the 400 error for the first problem it finds, or undefined.
 */

import { invalidRequest, type ApiError } from './errors.js';
import type { ChatCompletionRequest, CompletionRequest, StreamOptions } from './request-types.js';

type Rule<T> = (request: T) => ApiError | undefined;

/** Returns the first rule violation of a completion request that passed schema validation. */
export function checkCompletionRequest(request: CompletionRequest): ApiError | undefined {
  return firstViolation(request, COMPLETION_RULES);
}

/** Returns the first rule violation of a chat completion request that passed schema validation. */
export function checkChatCompletionRequest(request: ChatCompletionRequest): ApiError | undefined {
  return firstViolation(request, CHAT_COMPLETION_RULES);
}

const requireModel: Rule<{ model: string }> = ({ model }) =>
  model.trim() === '' ? invalidRequest("Invalid 'model': the model name must not be empty.", 'model', 'invalid_value') : undefined;

const requireStreamForStreamOptions: Rule<{ stream?: boolean | null; stream_options?: StreamOptions | null }> = (request) =>
  request.stream_options != null && request.stream !== true
    ? invalidRequest("Invalid 'stream_options': it is only allowed when 'stream' is true.", 'stream_options', 'invalid_value')
    : undefined;

function requireAtLeast(field: string, minimum: number): Rule<Record<string, unknown>> {
  return (request) => {
    const value = request[field];
    return typeof value === 'number' && value < minimum
      ? invalidRequest(
          `Invalid '${field}': ${value} is below the minimum value; expected a value >= ${minimum}.`,
          field,
          'integer_below_min_value',
        )
      : undefined;
  };
}

const checkBestOf: Rule<CompletionRequest> = ({ best_of: bestOf, n, stream }) => {
  if (bestOf == null) return undefined;
  if (n != null && bestOf < n) {
    return invalidRequest(`Invalid 'best_of': ${bestOf} is less than 'n' (${n}); best_of must be >= n.`, 'best_of', 'invalid_value');
  }
  if (bestOf > 1 && stream === true) {
    return invalidRequest("Invalid 'best_of': values above 1 cannot be combined with 'stream': true.", 'best_of', 'invalid_value');
  }
  return undefined;
};

const requireLogprobsForTopLogprobs: Rule<ChatCompletionRequest> = (request) =>
  request.top_logprobs != null && request.logprobs !== true
    ? invalidRequest("Invalid 'top_logprobs': it is only allowed when 'logprobs' is true.", 'top_logprobs', 'invalid_value')
    : undefined;

const COMPLETION_RULES: readonly Rule<CompletionRequest>[] = [
  requireModel,
  requireStreamForStreamOptions,
  requireAtLeast('best_of', 1),
  checkBestOf,
];

// A chat completion must produce at least one token, unlike a legacy completion, where
// `max_tokens: 0` with `echo` returns the prompt alone.
const CHAT_COMPLETION_RULES: readonly Rule<ChatCompletionRequest>[] = [
  requireModel,
  requireAtLeast('max_tokens', 1),
  requireAtLeast('max_completion_tokens', 1),
  requireStreamForStreamOptions,
  requireLogprobsForTopLogprobs,
];

function firstViolation<T>(request: T, rules: readonly Rule<T>[]): ApiError | undefined {
  for (const rule of rules) {
    const error = rule(request);
    if (error !== undefined) return error;
  }
  return undefined;
}
