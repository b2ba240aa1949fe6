/**
 * Gateway settings read from string variables: wrangler `[vars]` in workerd, `process.env` in Node.
 *
 * | variable              | meaning                                                    | default |
 * | --------------------- | ---------------------------------------------------------- | ------- |
 * | BACKENDS              | JSON array of backends (see backend.ts)                    | required |
 * | MAX_BODY_BYTES        | largest accepted request body, in bytes; larger gets 413   | 1048576 |
 * | FIRST_BYTE_TIMEOUT_MS | time to a backend's response headers before a 504, in ms   | 60000   |
 * | LOG_LEVEL             | debug, info, warn or error                                 | info    |
 *
 * Tenancy (AUTH, ADMIN_TOKEN, KEY_HASH_SECRET, PRICES) is read by src/tenancy/settings.ts,
 * request limits (MAX_MESSAGES, MAX_TOKENS, MAX_PROMPT_CHARS) by src/middleware/limits/settings.ts,
 * retries, timeouts and circuit breakers by src/routing/settings.ts, and the result cache and
 * coalescing (RESULT_CACHE, CACHE_*, SEMANTIC_CACHE_*, COALESCING*) by src/cache/settings.ts;
 * each documents its own.
 */

import { readCacheSettings, type CacheSettings, type CacheSettingsSource } from '../cache/settings.js';
import type { LogLevel } from '../log/logger.js';
import { readLimitSettings, type LimitSettingsSource } from '../middleware/limits/settings.js';
import type { RequestLimitsOptions } from '../middleware/limits/index.js';
import { readRoutingSettings, type RoutingSettings, type RoutingSettingsSource } from '../routing/settings.js';
import { readTenancySettings, type TenancySettings, type TenancySettingsSource } from '../tenancy/settings.js';
import { describe, GatewayConfigError, parseBackends, parsePositiveInteger, type Backend } from './backend.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

// Non-streaming generation sends no headers until the whole completion is done, so the default
// leaves room for long completions on slow hardware.
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 60_000;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Source of the settings: `process.env` in Node, the Worker's bindings in workerd. */
export interface GatewaySettingsSource extends TenancySettingsSource, LimitSettingsSource, RoutingSettingsSource, CacheSettingsSource {
  BACKENDS?: unknown;
  MAX_BODY_BYTES?: unknown;
  FIRST_BYTE_TIMEOUT_MS?: unknown;
  LOG_LEVEL?: unknown;
}

export interface GatewaySettings {
  backends: Backend[];
  maxBodyBytes: number;
  firstByteTimeoutMs: number;
  logLevel: LogLevel;
  tenancy: TenancySettings;
  limits: RequestLimitsOptions;
  routing: RoutingSettings;
  cache: CacheSettings;
}

/**
 * Reads and validates the gateway settings. Wrangler passes a `[vars]` value that is a TOML table
 * or array as parsed JSON, and any other value as a string, so both forms are accepted.
 * Throws {@link GatewayConfigError} listing every invalid variable.
 */
export function readGatewaySettings(variables: Readonly<GatewaySettingsSource>): GatewaySettings {
  const problems: string[] = [];

  let backends: Backend[] = [];
  try {
    backends = parseBackends(parseJsonVariable(variables.BACKENDS, 'BACKENDS'));
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    problems.push(...error.problems);
  }

  const maxBodyBytes = parseIntegerVariable(variables.MAX_BODY_BYTES, 'MAX_BODY_BYTES', 'bytes', problems) ?? DEFAULT_MAX_BODY_BYTES;
  const firstByteTimeoutMs =
    parseIntegerVariable(variables.FIRST_BYTE_TIMEOUT_MS, 'FIRST_BYTE_TIMEOUT_MS', 'milliseconds', problems) ??
    DEFAULT_FIRST_BYTE_TIMEOUT_MS;
  const logLevel = parseLogLevel(variables.LOG_LEVEL, problems);
  const tenancy = readTenancySettings(variables, problems);
  const limits = readLimitSettings(variables, problems);
  const routing = readRoutingSettings(variables, problems);
  const cache = readCacheSettings(variables, problems);

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return { backends, maxBodyBytes, firstByteTimeoutMs, logLevel, tenancy, limits, routing, cache };
}

function parseJsonVariable(value: unknown, name: string): unknown {
  if (value === undefined || value === '') {
    throw new GatewayConfigError([`${name} is not set; set it to a JSON array such as [{"name":"local","baseURL":"http://127.0.0.1:8000/v1","models":["stories260K"]}].`]);
  }
  if (typeof value !== 'string') return value;

  try {
    return JSON.parse(value);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new GatewayConfigError([`${name} is not valid JSON (${error.message}): ${describe(value)}.`]);
  }
}

function parseIntegerVariable(value: unknown, name: string, unit: string, problems: string[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return parsePositiveInteger(number, name, unit, problems);
}

function parseLogLevel(value: unknown, problems: string[]): LogLevel {
  if (value === undefined || value === '') return 'info';
  if (typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${describe(value)}.`);
  return 'info';
}
