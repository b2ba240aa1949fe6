/**
 * Request validation middleware for OpenAI generation endpoints.
 */

import type { MiddlewareHandler } from 'hono';

import { invalidRequest } from '../../openai/errors.js';
import type { GenerationEndpoint, GenerationRequests } from '../../openai/request-types.js';
import { validateGenerationRequest } from '../../openai/validate-request.js';

export const GENERATION_ENDPOINTS: readonly GenerationEndpoint[] = ['completions', 'chat.completions'];

export interface ValidateOpenAIOptions<E extends GenerationEndpoint> {
  /** The request schema to apply: `completions` (`/v1/completions`) or `chat.completions`. */
  endpoint: E;
}

/** Context variables set by {@link validateOpenAI}. */
export interface ValidateOpenAIVariables<E extends GenerationEndpoint> {
  /** The parsed request body, valid against OpenAI's schema for the endpoint. */
  openaiRequest: GenerationRequests[E];
}

/**
 * Creates middleware that parses the JSON body, validates it against OpenAI's published schema
 * for `endpoint` plus the gateway's own request rules, and stores it as `c.var.openaiRequest`.
 *
 * Any failure throws an `ApiError` (400 `invalid_request_error`) whose `param` names the
 * offending field, for the app's error handler to render. Apply a body size limit before it:
 * this middleware reads the whole body.
 *
 * @example
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), (c) =>
 *   c.json({ model: c.var.openaiRequest.model }),
 * );
 */
export function validateOpenAI<E extends GenerationEndpoint>(
  options: ValidateOpenAIOptions<E>,
): MiddlewareHandler<{ Variables: ValidateOpenAIVariables<E> }> {
  const endpoint = options?.endpoint;
  if (!GENERATION_ENDPOINTS.includes(endpoint)) {
    throw new TypeError(`validateOpenAI: options.endpoint must be one of ${GENERATION_ENDPOINTS.join(', ')}, got ${JSON.stringify(endpoint)}.`);
  }

  return async function validateOpenAIMiddleware(c, next) {
    const body = parseJson(await c.req.text());
    c.set('openaiRequest', validateGenerationRequest(endpoint, body));
    await next();
  };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    throw invalidRequest('The request body is empty; expected a JSON object.', null, 'invalid_json');
  }

  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    throw invalidRequest(`The request body is not valid JSON${detail}.`, null, 'invalid_json');
  }
}
