/**
 * Request fields shared by `/v1/completions` and `/v1/chat/completions`, read from a body that
 * already passed OpenAI's JSON schema, with the defaults of the OpenAI API.
 */

import { invalidRequest } from '../../src/openai/errors.js';
import { MAX_SEED, randomSeed } from '../runtime/sampling/prng.js';

/** OpenAI's limit on `n`; it also bounds all prompts times `n` in one completion request. */
export const MAX_CHOICES = 128;

export interface SamplingFields {
  temperature: number;
  topP: number;
  n: number;
  seed: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

/** Reads the sampling and streaming fields, filling OpenAI's defaults for absent or null values. */
export function readSamplingFields(body: Record<string, unknown>): SamplingFields {
  const seed = body.seed ?? null;
  if (seed !== null && (typeof seed !== 'number' || Math.abs(seed) > MAX_SEED)) {
    throw invalidRequest(`Invalid 'seed': ${String(seed)} is outside the supported range of ±${MAX_SEED}.`, 'seed', 'invalid_value');
  }

  const stream = body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: boolean } | null | undefined;
  if (streamOptions != null && !stream) {
    throw invalidRequest("Invalid 'stream_options': it is only allowed when 'stream' is true.", 'stream_options', 'invalid_value');
  }

  return {
    temperature: (body.temperature as number | null | undefined) ?? 1,
    topP: (body.top_p as number | null | undefined) ?? 1,
    n: (body.n as number | null | undefined) ?? 1,
    seed: seed ?? randomSeed(),
    stop: readStop(body.stop),
    stream,
    includeUsage: streamOptions?.include_usage === true,
  };
}

function readStop(stop: unknown): string[] {
  if (stop === undefined || stop === null) return [];
  const stops = typeof stop === 'string' ? [stop] : (stop as string[]);
  if (stops.some((sequence) => sequence.length === 0)) {
    throw invalidRequest("Invalid 'stop': stop sequences must not be empty strings.", 'stop', 'invalid_value');
  }
  return stops;
}

/**
 * Rejects fields that OpenAI defines but this backend does not implement, unless they hold
 * their neutral value, so that a client never silently gets different behavior.
 */
export function rejectUnsupportedFields(body: Record<string, unknown>, neutral: Record<string, (value: unknown) => boolean>): void {
  for (const [field, isNeutral] of Object.entries(neutral)) {
    const value = body[field];
    if (value === undefined || value === null || isNeutral(value)) continue;
    throw invalidRequest(
      `Unsupported value for '${field}': ${JSON.stringify(value)}. This backend does not implement '${field}'; omit it or send null.`,
      field,
      'unsupported_parameter',
    );
  }
}

export const isZero = (value: unknown): boolean => value === 0;
export const isFalse = (value: unknown): boolean => value === false;
export const isEmptyObject = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length === 0;
export const isEmptyArray = (value: unknown): boolean => Array.isArray(value) && value.length === 0;
