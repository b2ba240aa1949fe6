/**
 * Request limit settings read from string variables.
 *
 * | variable         | meaning                                                  | default |
 * | ---------------- | -------------------------------------------------------- | ------- |
 * | MAX_MESSAGES     | chat messages per request                                | 256     |
 * | MAX_TOKENS       | largest `max_tokens` / `max_completion_tokens` accepted  | 4096    |
 * | MAX_PROMPT_CHARS | prompt characters per request, all messages together    | 200000  |
 */

import { readIntegerVariable } from '../../tenancy/settings.js';
import type { RequestLimitsOptions } from './index.js';

export interface LimitSettingsSource {
  MAX_MESSAGES?: unknown;
  MAX_TOKENS?: unknown;
  MAX_PROMPT_CHARS?: unknown;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimitsOptions = { maxMessages: 256, maxTokens: 4_096, maxPromptCharacters: 200_000 };

/** Reads the request limits, adding a message to `problems` for each invalid variable. */
export function readLimitSettings(variables: Readonly<LimitSettingsSource>, problems: string[]): RequestLimitsOptions {
  const defaults = DEFAULT_REQUEST_LIMITS;
  return {
    maxMessages: readIntegerVariable(variables.MAX_MESSAGES, 'MAX_MESSAGES', 'messages', problems) ?? defaults.maxMessages,
    maxTokens: readIntegerVariable(variables.MAX_TOKENS, 'MAX_TOKENS', 'tokens', problems) ?? defaults.maxTokens,
    maxPromptCharacters: readIntegerVariable(variables.MAX_PROMPT_CHARS, 'MAX_PROMPT_CHARS', 'characters', problems) ?? defaults.maxPromptCharacters,
  };
}
