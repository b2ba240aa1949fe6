/**
 * Backends: declarative descriptions of the OpenAI-compatible servers the gateway forwards to.
 *
 * A backend is plain data (name, base URL, models, endpoint paths, an optional request-parameter
 * map and an optional named response transform), so it can come from JSON configuration, such as
 * wrangler `[vars]` or an environment variable. {@link parseBackends} validates it.
 */

import type { GenerationEndpoint } from '../openai/request-types.js';
import { RESPONSE_TRANSFORM_NAMES, type ResponseTransformName } from './response-transforms.js';

export interface BackendPaths {
  /** Path of the legacy completions endpoint, relative to `baseURL`; null if not served. */
  completions: string | null;
  /** Path of the chat completions endpoint, relative to `baseURL`; null if not served. */
  chatCompletions: string | null;
}

export interface Backend {
  /** Unique name, used in logs, errors and as `owned_by` in `GET /v1/models`. */
  name: string;
  /** Absolute http(s) URL that endpoint paths are appended to, e.g. `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  /** Model ids the backend serves; when several backends serve one id, requests fail over between them. */
  models: readonly string[];
  paths: BackendPaths;
  /**
   * Request fields renamed before forwarding (`{"max_tokens": "max_new_tokens"}`); a null target
   * drops the field, for backends that reject parameters they do not know.
   */
  parameterMap: Readonly<Record<string, string | null>>;
  /** Applied to non-streaming JSON responses; undefined passes the body through untouched. */
  responseTransform: ResponseTransformName | undefined;
  /** Time to the backend's response headers, in milliseconds, before the gateway returns 504. */
  firstByteTimeoutMs: number | undefined;
  /**
   * Deployed variant (compression recipe, such as `int8`) of the models served here. Backends of
   * one model with different variants share its traffic (src/variants/variant-router.ts).
   */
  variant?: string;
}

export const DEFAULT_BACKEND_PATHS: BackendPaths = {
  completions: '/completions',
  chatCompletions: '/chat/completions',
};

/** Request fields the gateway itself reads, so renaming them would break forwarding. */
const UNMAPPABLE_PARAMETERS = new Set(['stream']);

const BACKEND_FIELDS = new Set(['name', 'baseURL', 'models', 'paths', 'parameterMap', 'responseTransform', 'firstByteTimeoutMs', 'variant']);

/** Raised for invalid gateway configuration; the message lists every problem found. */
export class GatewayConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid gateway configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'GatewayConfigError';
    this.problems = problems;
  }
}

/**
 * Validates a list of backend descriptions (parsed JSON) and fills in defaults.
 * Throws {@link GatewayConfigError} naming each invalid field, for example `BACKENDS[0].baseURL`.
 */
export function parseBackends(value: unknown, source = 'BACKENDS'): Backend[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new GatewayConfigError([`${source} must be a non-empty JSON array of backends, got ${describe(value)}.`]);
  }

  const problems: string[] = [];
  const backends = value.map((entry, index) => parseBackend(entry, `${source}[${index}]`, problems));
  problems.push(...findConflicts(backends, source));

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return backends;
}

/** Returns the path of `endpoint` on `backend`, or null when the backend does not serve it. */
export function endpointPath(backend: Backend, endpoint: GenerationEndpoint): string | null {
  return endpoint === 'completions' ? backend.paths.completions : backend.paths.chatCompletions;
}

function parseBackend(entry: unknown, where: string, problems: string[]): Backend {
  if (!isRecord(entry)) {
    problems.push(`${where} must be an object, got ${describe(entry)}.`);
    return placeholderBackend(where);
  }

  for (const field of Object.keys(entry)) {
    if (!BACKEND_FIELDS.has(field)) problems.push(`${where}.${field} is not a known backend field (known: ${[...BACKEND_FIELDS].join(', ')}).`);
  }

  return {
    name: parseName(entry.name, `${where}.name`, problems),
    baseURL: parseBaseURL(entry.baseURL, `${where}.baseURL`, problems),
    models: parseModels(entry.models, `${where}.models`, problems),
    paths: parsePaths(entry.paths, `${where}.paths`, problems),
    parameterMap: parseParameterMap(entry.parameterMap, `${where}.parameterMap`, problems),
    responseTransform: parseResponseTransform(entry.responseTransform, `${where}.responseTransform`, problems),
    firstByteTimeoutMs: parsePositiveInteger(entry.firstByteTimeoutMs, `${where}.firstByteTimeoutMs`, 'milliseconds', problems),
    ...(entry.variant === undefined ? {} : { variant: parseVariant(entry.variant, `${where}.variant`, problems) }),
  };
}

function parseName(value: unknown, where: string, problems: string[]): string {
  if (typeof value === 'string' && /^[\w.-]{1,64}$/.test(value)) return value;
  problems.push(`${where} must be 1 to 64 letters, digits, '_', '.' or '-', got ${describe(value)}.`);
  return where;
}

function parseVariant(value: unknown, where: string, problems: string[]): string {
  if (typeof value === 'string' && /^[\w.-]{1,64}$/.test(value)) return value;
  problems.push(`${where} must be 1 to 64 letters, digits, '_', '.' or '-', got ${describe(value)}.`);
  return where;
}

function parseBaseURL(value: unknown, where: string, problems: string[]): string {
  const url = typeof value === 'string' ? parseURL(value) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`${where} must be an absolute http:// or https:// URL, got ${describe(value)}.`);
    return 'http://invalid.invalid';
  }
  if (url.search !== '' || url.hash !== '') {
    problems.push(`${where} must not contain a query or fragment, got ${describe(value)}.`);
  }

  // Endpoint paths start with '/', so a trailing slash would double it.
  return url.href.replace(/\/+$/, '');
}

function parseURL(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

function parseModels(value: unknown, where: string, problems: string[]): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${where} must be a non-empty array of model ids, got ${describe(value)}.`);
    return [];
  }

  value.forEach((model, index) => {
    if (typeof model !== 'string' || model.trim() === '') problems.push(`${where}[${index}] must be a non-empty string, got ${describe(model)}.`);
  });
  return value.filter((model): model is string => typeof model === 'string');
}

function parsePaths(value: unknown, where: string, problems: string[]): BackendPaths {
  if (value === undefined) return { ...DEFAULT_BACKEND_PATHS };
  if (!isRecord(value)) {
    problems.push(`${where} must be an object with 'completions' and/or 'chatCompletions', got ${describe(value)}.`);
    return { ...DEFAULT_BACKEND_PATHS };
  }

  const paths = { ...DEFAULT_BACKEND_PATHS };
  for (const [key, path] of Object.entries(value)) {
    if (key !== 'completions' && key !== 'chatCompletions') {
      problems.push(`${where}.${key} is not a known endpoint (known: completions, chatCompletions).`);
    } else if (path === null || (typeof path === 'string' && /^\/[^?#]*$/.test(path))) {
      paths[key] = path;
    } else {
      problems.push(`${where}.${key} must be a path starting with '/', or null if the endpoint is not served, got ${describe(path)}.`);
    }
  }

  if (paths.completions === null && paths.chatCompletions === null) problems.push(`${where} disables every endpoint.`);
  return paths;
}

function parseParameterMap(value: unknown, where: string, problems: string[]): Record<string, string | null> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.push(`${where} must be an object mapping request fields to new names or null, got ${describe(value)}.`);
    return {};
  }

  for (const [from, to] of Object.entries(value)) {
    if (UNMAPPABLE_PARAMETERS.has(from)) problems.push(`${where}.${from} cannot be mapped, because the gateway reads it.`);
    if (to !== null && (typeof to !== 'string' || to === '')) problems.push(`${where}.${from} must be a field name or null, got ${describe(to)}.`);
  }
  return value as Record<string, string | null>;
}

function parseResponseTransform(value: unknown, where: string, problems: string[]): ResponseTransformName | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (RESPONSE_TRANSFORM_NAMES as readonly string[]).includes(value)) return value as ResponseTransformName;
  problems.push(`${where} must be one of ${RESPONSE_TRANSFORM_NAMES.join(', ')}, got ${describe(value)}.`);
  return undefined;
}

/** Parses an optional positive safe integer; shared with the gateway-wide settings. */
export function parsePositiveInteger(value: unknown, where: string, unit: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  problems.push(`${where} must be a positive integer number of ${unit}, got ${describe(value)}.`);
  return undefined;
}

function findConflicts(backends: readonly Backend[], source: string): string[] {
  const problems: string[] = [];
  const names = new Set<string>();

  // Several backends may serve one model: the router fails over between them.
  for (const backend of backends) {
    if (names.has(backend.name)) problems.push(`${source} has two backends named '${backend.name}'.`);
    names.add(backend.name);
  }

  return problems;
}

function placeholderBackend(name: string): Backend {
  return {
    name,
    baseURL: 'http://invalid.invalid',
    models: [],
    paths: { ...DEFAULT_BACKEND_PATHS },
    parameterMap: {},
    responseTransform: undefined,
    firstByteTimeoutMs: undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders a configuration value for an error message, shortened to stay readable. */
export function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
