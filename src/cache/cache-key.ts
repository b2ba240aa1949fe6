/**
 * Result cache keys: SHA-256 of the canonical JSON of every request field that can change the
 * output, plus the tenant and the endpoint.
 */

import type { ChatCompletionRequest, CompletionRequest, GenerationEndpoint } from '../openai/request-types.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Request fields that change how the output is delivered or recorded, but not its content.
 * Every other field is part of the key, so a parameter added to the API later is keyed too.
 */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options', 'user', 'metadata', 'store']);

/** Fields that hold the conversation, left out of the semantic scope. */
const CONTENT_FIELDS = new Set(['messages', 'prompt']);

/**
 * OpenAI's documented defaults. A missing or null value means the default, so
 * `{}` and `{"temperature": 1}` must share a key while `{"temperature": 0}` must not.
 */
const PARAMETER_DEFAULTS: Readonly<Record<string, unknown>> = {
  temperature: 1,
  top_p: 1,
  n: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
};

/** Version of the key layout; bump it when the canonical form changes, so old entries miss. */
const KEY_VERSION = 1;

/**
 * Computes SHA-256 of the UTF-8 bytes of `text` as 64 lowercase hex digits. A runtime passes a
 * synchronous one where it has it (node:crypto), because Node runs Web Crypto digests on its
 * thread pool and each one then costs a thread hand-off. Every implementation must return the
 * same digest, since the keys of one cache may come from different runtimes.
 */
export type Sha256Hex = (text: string) => string | Promise<string>;

export interface CacheKeys {
  /** Identifies the exact request: tenant, endpoint, model, messages or prompt, parameters. */
  exact: string;
  /**
   * Everything in {@link CacheKeys.exact} except the messages or prompt: a semantic search scope.
   * Computed only when requested, since each one costs a digest.
   */
  scope: string | undefined;
}

export interface CacheKeyInput {
  tenantId: string;
  endpoint: GenerationEndpoint;
  request: CompletionRequest | ChatCompletionRequest;
  /** Also compute {@link CacheKeys.scope}, for a semantic tier. */
  withScope?: boolean;
  /** Digest function; Web Crypto's when omitted, the only one that workerd has without nodejs_compat. */
  sha256Hex?: Sha256Hex;
}

/**
 * Computes the exact key and the semantic scope of a validated request, each as 64 lowercase
 * hex digits.
 *
 * @example
 * const { exact } = await computeCacheKeys({ tenantId: 'acme', endpoint: 'chat.completions', request });
 */
export async function computeCacheKeys(input: CacheKeyInput): Promise<CacheKeys> {
  const parameters = canonicalParameters(input.request);
  const base = { version: KEY_VERSION, tenant: input.tenantId, endpoint: input.endpoint };
  const sha256Hex = input.sha256Hex ?? webCryptoSha256Hex;
  if (input.withScope !== true) return { exact: await sha256Hex(canonicalJson({ ...base, parameters })), scope: undefined };

  const scopeParameters: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(parameters)) {
    if (!CONTENT_FIELDS.has(field)) scopeParameters[field] = value;
  }
  const [exact, scope] = await Promise.all([
    sha256Hex(canonicalJson({ ...base, parameters })),
    sha256Hex(canonicalJson({ ...base, parameters: scopeParameters })),
  ]);
  return { exact, scope };
}

/** Returns the fields that determine the output, with null and missing values made explicit defaults. */
export function canonicalParameters(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const parameters: Record<string, unknown> = { ...PARAMETER_DEFAULTS };
  for (const [field, value] of Object.entries(request)) {
    if (DELIVERY_FIELDS.has(field) || value === null || value === undefined) continue;
    parameters[field] = value;
  }
  return parameters;
}

/**
 * Returns whether the request expects reproducible output: temperature 0 (greedy decoding) or a
 * fixed `seed`. Only such requests are cached unless the client opts in.
 */
export function isDeterministic(request: Readonly<Record<string, unknown>>): boolean {
  return request.temperature === 0 || typeof request.seed === 'number';
}

/** Computes the default {@link Sha256Hex} through Web Crypto (`crypto.subtle`), for every runtime. */
export async function webCryptoSha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
