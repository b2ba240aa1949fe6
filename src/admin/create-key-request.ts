/** Validation of the `POST /admin/keys` body. */

import { invalidRequest } from '../openai/errors.js';
import type { KeyLimits } from '../tenancy/types.js';

export interface CreateKeyRequest {
  tenantId: string;
  name: string;
  models: string[] | null;
  limits: KeyLimits;
}

const FIELDS = new Set(['tenant_id', 'name', 'models', 'rpm', 'tpm', 'budget_usd']);

/**
 * Checks a body such as `{"tenant_id":"acme","name":"ci","models":["stories260K"],"rpm":60,
 * "tpm":10000,"budget_usd":5}`; only `tenant_id` is required. Throws a 400 ApiError naming the
 * first invalid field.
 */
export function parseCreateKeyRequest(body: unknown): CreateKeyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  }
  const fields = body as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (!FIELDS.has(field)) throw invalidRequest(`Unknown field '${field}'; known fields: ${[...FIELDS].join(', ')}.`, field, 'unknown_parameter');
  }

  const tenantId = fields.tenant_id;
  if (typeof tenantId !== 'string' || !/^[\w.-]{1,64}$/.test(tenantId)) {
    throw invalidRequest("'tenant_id' must be 1 to 64 letters, digits, '_', '.' or '-'.", 'tenant_id', 'invalid_value');
  }

  const name = fields.name ?? '';
  if (typeof name !== 'string' || name.length > 200) throw invalidRequest("'name' must be a string of at most 200 characters.", 'name', 'invalid_value');

  const models = fields.models ?? null;
  if (models !== null && (!Array.isArray(models) || models.length === 0 || !models.every((model) => typeof model === 'string' && model !== ''))) {
    throw invalidRequest("'models' must be a non-empty array of model ids, or null to allow every model.", 'models', 'invalid_value');
  }

  const limits: KeyLimits = {};
  const rpm = optionalPositive(fields.rpm, 'rpm', true);
  const tpm = optionalPositive(fields.tpm, 'tpm', true);
  const budgetUsd = optionalPositive(fields.budget_usd, 'budget_usd', false);
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (budgetUsd !== undefined) limits.budgetUsd = budgetUsd;

  return { tenantId, name, models: models as string[] | null, limits };
}

function optionalPositive(value: unknown, field: string, integer: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  const valid = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isSafeInteger(value));
  if (!valid) throw invalidRequest(`'${field}' must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}.`, field, 'invalid_value');
  return value;
}
