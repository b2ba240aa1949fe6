/**
 * The request fields the gateway reads. Bodies are validated against OpenAI's full schemas
 * before they get these types; every other field passes through to the backend unchanged.
 */

export interface StreamOptions {
  include_usage?: boolean;
  include_obfuscation?: boolean;
}

export interface CompletionRequest {
  model: string;
  prompt: string | string[] | number[] | number[][] | null;
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  max_tokens?: number | null;
  n?: number | null;
  best_of?: number | null;
  [parameter: string]: unknown;
}

export interface ChatCompletionMessage {
  role: string;
  [field: string]: unknown;
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatCompletionMessage[];
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  [parameter: string]: unknown;
}

/** The OpenAI endpoints the gateway forwards, named after their resource (`/v1/<name>`). */
export type GenerationEndpoint = 'completions' | 'chat.completions';

/** The gateway's generation routes, each with the endpoint it serves. */
export const GENERATION_ROUTES: Readonly<Record<string, GenerationEndpoint>> = { '/v1/completions': 'completions', '/v1/chat/completions': 'chat.completions' };

export interface GenerationRequests {
  completions: CompletionRequest;
  'chat.completions': ChatCompletionRequest;
}
