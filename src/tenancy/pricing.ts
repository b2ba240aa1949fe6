/**
 * Prices per model and the cost and token estimates used to reserve budget and rate capacity.
 */

import { GatewayConfigError, describe } from '../gateway/backend.js';
import { choiceCount, completionLimit, promptCharacters, type GenerationRequest } from '../middleware/limits/request-measures.js';

/** US dollars per one million tokens, split as OpenAI's `usage` splits tokens. */
export interface ModelPrice {
  prompt: number;
  completion: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

// NOTE: an estimate, not a tokenizer. Subword vocabularies average three to four characters per
// token in English, so three characters per token overestimates more often than not; settling
// with the backend's real `usage` corrects it.
const CHARACTERS_PER_TOKEN = 3;

/** Completion tokens reserved when a request sets no max_tokens and no cap is configured. */
export const DEFAULT_COMPLETION_ESTIMATE = 1_024;

/** Returns the cost of `usage` in US dollars; a model without a price costs nothing. */
export function costOf(prices: PriceTable, model: string, usage: TokenUsage): number {
  const price = prices[model];
  if (price === undefined) return 0;
  return (usage.prompt_tokens * price.prompt + usage.completion_tokens * price.completion) / 1_000_000;
}

/**
 * Estimates the usage of a request before it runs: the prompt from its length, the completion at
 * its limit (`max_tokens`, otherwise `defaultCompletionTokens`) for each of its `n` choices.
 */
export function estimateUsage(request: GenerationRequest, defaultCompletionTokens: number): TokenUsage {
  const limit = completionLimit(request)?.value ?? defaultCompletionTokens;
  return {
    prompt_tokens: Math.ceil(promptCharacters(request) / CHARACTERS_PER_TOKEN),
    completion_tokens: limit * choiceCount(request),
  };
}

/**
 * Validates a price table such as `{"stories260K":{"prompt":0.1,"completion":0.2}}`.
 * Throws {@link GatewayConfigError} naming every invalid entry.
 */
export function parsePriceTable(value: unknown, source = 'PRICES'): PriceTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayConfigError([`${source} must be a JSON object mapping model ids to {"prompt":USD,"completion":USD} per million tokens, got ${describe(value)}.`]);
  }

  const problems: string[] = [];
  const table: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(value)) {
    const fields = price as Partial<Record<string, unknown>> | null;
    const prompt = fields?.prompt;
    const completion = fields?.completion;
    if (!isPrice(prompt) || !isPrice(completion)) {
      problems.push(`${source}.${model} must be {"prompt":USD,"completion":USD} with non-negative numbers, got ${describe(price)}.`);
      continue;
    }
    table[model] = { prompt, completion };
  }

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return table;
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
