/** OpenAI-shaped 429 errors for rate limits and budgets. */

import { ApiError } from '../../openai/errors.js';
import type { KeyLimits } from '../../tenancy/types.js';
import type { LimitKind } from '../../tenancy/usage-ledger.js';

export function limitExceeded(limit: LimitKind, keyId: string, limits: KeyLimits, retryAfterSeconds: number | null): ApiError {
  if (limit === 'budget') {
    return new ApiError(
      `The API key ${keyId} has used its budget of $${String(limits.budgetUsd)}, or this request's estimated cost would exceed it. Ask an administrator to raise the budget.`,
      { status: 429, type: 'rate_limit_error', code: 'insufficient_quota' },
    );
  }

  const what = limit === 'requests' ? `requests per minute (limit ${String(limits.rpm)})` : `tokens per minute (limit ${String(limits.tpm)})`;
  return new ApiError(`Rate limit reached for ${what} on the API key ${keyId}. Retry after ${String(retryAfterSeconds)} s.`, {
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
  });
}
