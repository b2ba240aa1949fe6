/** OpenAI-shaped authentication and permission errors. */

import { ApiError } from '../../openai/errors.js';

export function missingApiKey(): ApiError {
  return new ApiError("You didn't provide an API key. Send it in the Authorization header as 'Bearer sk-slim-...'.", {
    status: 401,
    type: 'authentication_error',
    code: 'missing_api_key',
    headers: { 'www-authenticate': 'Bearer' },
  });
}

export function invalidApiKey(): ApiError {
  return new ApiError('The API key is invalid. Check the key, or ask an administrator for a new one.', {
    status: 401,
    type: 'authentication_error',
    code: 'invalid_api_key',
    headers: { 'www-authenticate': 'Bearer' },
  });
}

export function revokedApiKey(keyId: string): ApiError {
  return new ApiError(`The API key ${keyId} has been revoked.`, { status: 403, type: 'permission_error', code: 'api_key_revoked' });
}

export function modelNotAllowed(model: string, keyId: string): ApiError {
  return new ApiError(`The API key ${keyId} is not allowed to use the model '${model}'.`, {
    status: 403,
    type: 'permission_error',
    param: 'model',
    code: 'model_not_allowed',
  });
}
