/**
 * Turns validated `/v1/completions` and `/v1/chat/completions` bodies into the engine's
 * {@link GenerationRequest}: prompts tokenized, one choice per prompt and `n`, defaults applied.
 */

import { invalidRequest, modelNotFound } from '../../src/openai/errors.js';
import type { ChoiceRequest, Engine, GenerationRequest } from '../runtime/generation.js';
import { CHAT_STOP_SEQUENCES, renderChatPrompt } from './chat-template.js';
import { isEmptyArray, isEmptyObject, isFalse, isZero, MAX_CHOICES, readSamplingFields, rejectUnsupportedFields } from './sampling-params.js';

/** OpenAI's default `max_tokens` for legacy completions. */
const COMPLETION_DEFAULT_MAX_TOKENS = 16;

export interface ParsedGenerationRequest extends GenerationRequest {
  stream: boolean;
  includeUsage: boolean;
  /** Prompt tokens of all distinct prompts, BOS included; `n` copies of a prompt count once. */
  promptTokens: number;
}

const COMPLETION_UNSUPPORTED = {
  echo: isFalse,
  logprobs: () => false,
  suffix: (value: unknown) => value === '',
  logit_bias: isEmptyObject,
  frequency_penalty: isZero,
  presence_penalty: isZero,
  best_of: (value: unknown) => value === 1,
};

const CHAT_UNSUPPORTED = {
  logprobs: isFalse,
  top_logprobs: () => false,
  logit_bias: isEmptyObject,
  frequency_penalty: isZero,
  presence_penalty: isZero,
  tools: isEmptyArray,
  functions: isEmptyArray,
  tool_choice: (value: unknown) => value === 'none',
  function_call: (value: unknown) => value === 'none',
  response_format: (value: unknown) => (value as { type?: unknown }).type === 'text',
  modalities: (value: unknown) => Array.isArray(value) && value.every((modality) => modality === 'text'),
  audio: () => false,
  prediction: () => false,
  web_search_options: () => false,
};

export function parseCompletionRequest(body: Record<string, unknown>, engine: Engine, modelId: string): ParsedGenerationRequest {
  requireModel(body, modelId);
  rejectUnsupportedFields(body, COMPLETION_UNSUPPORTED);

  const prompts = tokenizeCompletionPrompt(body.prompt, engine);
  const maxTokens = (body.max_tokens as number | null | undefined) ?? COMPLETION_DEFAULT_MAX_TOKENS;
  return buildRequest(body, prompts, maxTokens, [], 'prompt', engine);
}

export function parseChatRequest(body: Record<string, unknown>, engine: Engine, modelId: string): ParsedGenerationRequest {
  requireModel(body, modelId);
  rejectUnsupportedFields(body, CHAT_UNSUPPORTED);

  const messages = body.messages as Record<string, unknown>[];
  const prompt = engine.encodePrompt(renderChatPrompt(messages));

  // max_completion_tokens replaced max_tokens; without either, generation may fill the context.
  const maxTokens = (body.max_completion_tokens as number | null | undefined) ?? (body.max_tokens as number | null | undefined) ?? engine.contextLength;
  return buildRequest(body, [prompt], maxTokens, CHAT_STOP_SEQUENCES, 'messages', engine);
}

function requireModel(body: Record<string, unknown>, modelId: string): void {
  if (body.model !== modelId) throw modelNotFound(String(body.model));
}

function buildRequest(
  body: Record<string, unknown>,
  prompts: number[][],
  maxTokens: number,
  extraStops: readonly string[],
  promptParam: string,
  engine: Engine,
): ParsedGenerationRequest {
  const sampling = readSamplingFields(body);
  if (prompts.length * sampling.n > MAX_CHOICES) {
    throw invalidRequest(
      `Invalid 'n': ${prompts.length} prompts times n=${sampling.n} asks for ${prompts.length * sampling.n} choices; at most ${MAX_CHOICES} are allowed.`,
      'n',
      'invalid_value',
    );
  }

  for (const prompt of prompts) {
    if (prompt.length >= engine.contextLength) {
      throw invalidRequest(
        `This model's maximum context length is ${engine.contextLength} tokens, but the prompt has ${prompt.length} tokens, which leaves no room for a completion.`,
        promptParam,
        'context_length_exceeded',
      );
    }
  }

  const stop = [...sampling.stop, ...extraStops];
  const choices: ChoiceRequest[] = [];
  for (const prompt of prompts) {
    for (let copy = 0; copy < sampling.n; copy++) {
      choices.push({ promptTokenIds: prompt, maxTokens, temperature: sampling.temperature, topP: sampling.topP, seed: sampling.seed, stop });
    }
  }

  return {
    choices,
    stream: sampling.stream,
    includeUsage: sampling.includeUsage,
    promptTokens: prompts.reduce((sum, prompt) => sum + prompt.length, 0),
  };
}

/**
 * Tokenizes the `prompt` field: a string, an array of strings, one token array or an array of
 * token arrays. Text prompts get BOS; token prompts are used exactly as given. A missing or null
 * prompt means an empty document, as OpenAI's default `<|endoftext|>` does.
 */
function tokenizeCompletionPrompt(prompt: unknown, engine: Engine): number[][] {
  if (prompt === undefined || prompt === null) return [engine.encodePrompt('')];
  if (typeof prompt === 'string') return [engine.encodePrompt(prompt)];

  const items = prompt as unknown[];
  if (items.length === 0) throw invalidRequest("Invalid 'prompt': expected at least one prompt, but got an empty array.", 'prompt', 'invalid_value');
  if (typeof items[0] === 'number') return [checkTokenIds(items as number[], 'prompt', engine)];
  if (typeof items[0] === 'string') return (items as string[]).map((text) => engine.encodePrompt(text));
  return (items as number[][]).map((tokens, index) => checkTokenIds(tokens, `prompt[${index}]`, engine));
}

function checkTokenIds(tokens: number[], param: string, engine: Engine): number[] {
  const invalid = tokens.find((token) => token < 0 || token >= engine.vocabSize);
  if (invalid !== undefined) {
    throw invalidRequest(`Invalid '${param}': token id ${invalid} is outside the vocabulary (0 to ${engine.vocabSize - 1}).`, param, 'invalid_value');
  }
  return tokens;
}
