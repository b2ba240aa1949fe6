/**
 * Validation of OpenAI generation requests: OpenAI's published schema first (through the
 * generated standalone validators, since workerd cannot compile schemas at run time), then the
 * rules in request-rules.ts.
 */

import { invalidRequest } from './errors.js';
import { validateCreateChatCompletionRequest, validateCreateCompletionRequest } from './generated/request-validators.js';
import { checkChatCompletionRequest, checkCompletionRequest } from './request-rules.js';
import type { GenerationEndpoint, GenerationRequests } from './request-types.js';
import type { StandaloneValidator } from './standalone-validator.js';
import { toInvalidRequestError } from './validation-errors.js';

const VALIDATORS: Record<GenerationEndpoint, StandaloneValidator> = {
  completions: validateCreateCompletionRequest,
  'chat.completions': validateCreateChatCompletionRequest,
};

const RULES: { [E in GenerationEndpoint]: (request: GenerationRequests[E]) => ReturnType<typeof checkCompletionRequest> } = {
  completions: checkCompletionRequest,
  'chat.completions': checkChatCompletionRequest,
};

/**
 * Returns `body` typed as the endpoint's request, or throws an {@link ApiError} (400
 * `invalid_request_error`) whose `param` names the offending field.
 */
export function validateGenerationRequest<E extends GenerationEndpoint>(endpoint: E, body: unknown): GenerationRequests[E] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }

  const validate = VALIDATORS[endpoint];
  if (!validate(body)) throw toInvalidRequestError(validate.errors ?? [], body);

  const request = body as GenerationRequests[E];
  const violation = RULES[endpoint](request);
  if (violation !== undefined) throw violation;

  return request;
}
