/**
 * Tenancy settings read from string variables (wrangler `[vars]` and secrets, or `process.env`).
 *
 * | variable         | meaning                                                               | default |
 * | ---------------- | --------------------------------------------------------------------- | ------- |
 * | AUTH             | `on` requires a virtual API key on /v1 routes; `off` accepts anyone   | off     |
 * | ADMIN_TOKEN      | bearer token of the admin API (/admin/keys); unset disables that API  | unset   |
 * | KEY_HASH_SECRET  | server secret for HMAC-SHA-256 key hashes; unset means plain SHA-256  | unset   |
 * | PRICES           | JSON `{"<model>":{"prompt":USD,"completion":USD}}` per million tokens  | {}      |
 */

import { describe, GatewayConfigError, parsePositiveInteger } from '../gateway/backend.js';
import type { AuthMode } from '../middleware/auth/index.js';
import { parsePriceTable, type PriceTable } from './pricing.js';

export interface TenancySettings {
  auth: AuthMode;
  adminToken: string | undefined;
  hashSecret: string | undefined;
  prices: PriceTable;
}

export interface TenancySettingsSource {
  AUTH?: unknown;
  ADMIN_TOKEN?: unknown;
  KEY_HASH_SECRET?: unknown;
  PRICES?: unknown;
}

/** Reads the tenancy settings, adding a message to `problems` for each invalid variable. */
export function readTenancySettings(variables: Readonly<TenancySettingsSource>, problems: string[]): TenancySettings {
  let auth: AuthMode = 'off';
  if (variables.AUTH !== undefined && variables.AUTH !== '') {
    if (variables.AUTH === 'on' || variables.AUTH === 'off') auth = variables.AUTH;
    else problems.push(`AUTH must be 'on' or 'off', got ${describe(variables.AUTH)}.`);
  }

  let prices: PriceTable = {};
  if (variables.PRICES !== undefined && variables.PRICES !== '') {
    try {
      prices = parsePriceTable(typeof variables.PRICES === 'string' ? JSON.parse(variables.PRICES) : variables.PRICES);
    } catch (error) {
      if (error instanceof SyntaxError) problems.push(`PRICES is not valid JSON (${error.message}).`);
      else if (error instanceof GatewayConfigError) problems.push(...error.problems);
      else throw error;
    }
  }

  return {
    auth,
    adminToken: optionalSecret(variables.ADMIN_TOKEN, 'ADMIN_TOKEN', problems),
    hashSecret: optionalSecret(variables.KEY_HASH_SECRET, 'KEY_HASH_SECRET', problems),
    prices,
  };
}

/** Reads an optional positive integer variable given as a string or a number. */
export function readIntegerVariable(value: unknown, name: string, unit: string, problems: string[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return parsePositiveInteger(number, name, unit, problems);
}

function optionalSecret(value: unknown, name: string, problems: string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && value.length >= 16) return value;
  // The value itself is a secret, so the message does not repeat it.
  problems.push(`${name} must be a string of at least 16 characters.`);
  return undefined;
}
