/**
 * Turns Ajv validation errors for a request body into one OpenAI `invalid_request_error`.
 *
 * A failed `oneOf`/`anyOf` leaves an error for every branch, and most of them are noise: a string
 * given where a number belongs fails the string branch, the array branch and the `null` branch of
 * a nullable field. The error reported is the one that reached deepest into the request, because
 * the branch that matched the most of the value is the one the caller meant. `type` errors at that
 * location are merged ("expected string or array"), and `type: null` alternatives, which only
 * mean "may be null", are ignored while any other error exists.
 */

import type { ErrorObject } from 'ajv';

import { ApiError, invalidRequest } from './errors.js';

/** Keywords that only summarize their branches' errors. */
const COMBINATOR_KEYWORDS = new Set(['oneOf', 'anyOf', 'allOf', 'not', 'if']);

/** Builds the single 400 error that best explains why `body` failed validation. */
export function toInvalidRequestError(errors: readonly ErrorObject[], body: unknown): ApiError {
  const chosen = chooseErrors(errors);
  const first = chosen[0];
  if (first === undefined) return invalidRequest('The request body is invalid.');

  const path = instancePathSegments(first.instancePath);
  const location = { path, param: formatParam(path, body), value: valueAt(body, path) };

  if (first.keyword === 'type') {
    const types = unique(chosen.flatMap((error) => typeNames(error.params.type))).filter((type) => type !== 'null');
    if (path.length === 0) {
      return invalidRequest(`The request body must be a JSON ${joinAlternatives(types)}, but got ${jsonType(body)}.`, null, 'invalid_type');
    }
    return invalidRequest(
      `Invalid type for '${location.param}': expected ${joinAlternatives(types)}, but got ${jsonType(location.value)} instead.`,
      location.param,
      'invalid_type',
    );
  }

  return describeError(first, location, body);
}

/** Converts an Ajv instance path (`/messages/0/role`) into the OpenAI param form (`messages[0].role`). */
export function formatParam(path: readonly string[], body: unknown): string {
  let param = '';
  let parent = body;

  for (const segment of path) {
    if (Array.isArray(parent) && /^\d+$/.test(segment)) param += `[${segment}]`;
    else param += param === '' ? segment : `.${segment}`;
    parent = childOf(parent, segment);
  }

  return param;
}

interface ErrorLocation {
  path: string[];
  param: string;
  value: unknown;
}

function describeError(error: ErrorObject, location: ErrorLocation, body: unknown): ApiError {
  const { param, value } = location;
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'required': {
      const missing = formatParam([...location.path, String(params.missingProperty)], body);
      return invalidRequest(`Missing required parameter: '${missing}'.`, missing, 'missing_required_parameter');
    }
    case 'additionalProperties': {
      const extra = formatParam([...location.path, String(params.additionalProperty)], body);
      return invalidRequest(`Unrecognized parameter: '${extra}'.`, extra, 'unknown_parameter');
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return invalidRequest(
        `Invalid '${param}': ${formatValue(value)} is below the minimum value; expected a value ${params.comparison} ${params.limit}.`,
        param,
        Number.isInteger(value) ? 'integer_below_min_value' : 'decimal_below_min_value',
      );
    case 'maximum':
    case 'exclusiveMaximum':
      return invalidRequest(
        `Invalid '${param}': ${formatValue(value)} is above the maximum value; expected a value ${params.comparison} ${params.limit}.`,
        param,
        Number.isInteger(value) ? 'integer_above_max_value' : 'decimal_above_max_value',
      );
    case 'minItems':
      return invalidRequest(
        `Invalid '${param}': expected an array with at least ${params.limit} item(s), but got ${lengthOf(value)}.`,
        param,
        'array_too_short',
      );
    case 'maxItems':
      return invalidRequest(
        `Invalid '${param}': expected an array with at most ${params.limit} item(s), but got ${lengthOf(value)}.`,
        param,
        'array_too_long',
      );
    case 'minLength':
      return invalidRequest(`Invalid '${param}': expected a string of at least ${params.limit} character(s).`, param, 'string_too_short');
    case 'maxLength':
      return invalidRequest(`Invalid '${param}': expected a string of at most ${params.limit} character(s).`, param, 'string_too_long');
    case 'enum':
      // The spec lists OpenAI's own model names as an alternative to any string. Those names mean
      // nothing to this gateway, so a non-string model gets a plain type error instead.
      if (param === 'model') {
        return invalidRequest(`Invalid type for 'model': expected a model name string, but got ${formatValue(value)}.`, param, 'invalid_type');
      }
      return invalidRequest(
        `Invalid value for '${param}': ${formatValue(value)}. Supported values are: ${formatValues(params.allowedValues)}.`,
        param,
        'invalid_value',
      );
    case 'const':
      return invalidRequest(
        `Invalid value for '${param}': ${formatValue(value)}; expected ${formatValue(params.allowedValue)}.`,
        param,
        'invalid_value',
      );
    case 'format':
      return invalidRequest(`Invalid '${param}': expected a valid ${String(params.format)}.`, param, 'invalid_format');
    case 'pattern':
      return invalidRequest(`Invalid '${param}': the value does not match the pattern ${String(params.pattern)}.`, param, 'invalid_value');
    case 'discriminator':
      return describeDiscriminatorError(params, location, body);
    case 'oneOf':
      return invalidRequest(
        `Invalid '${param}': the value matches more than one of the allowed forms, so its meaning is ambiguous.`,
        param,
        'invalid_value',
      );
    default:
      return invalidRequest(`Invalid '${param}': the value fails the '${error.keyword}' rule of the OpenAI API schema.`, param, 'invalid_value');
  }
}

/** Describes a discriminator error, which names the tag property (`role`, `type`) that selects a variant. */
function describeDiscriminatorError(params: Record<string, unknown>, location: ErrorLocation, body: unknown): ApiError {
  const tagPath = [...location.path, String(params.tag)];
  const tag = formatParam(tagPath, body);

  if (params.error === 'tag') {
    const tagValue = valueAt(body, tagPath);
    const problem = tagValue === undefined ? 'is missing' : `must be a string, but got ${jsonType(tagValue)}`;
    return invalidRequest(`Invalid '${location.param}': '${tag}' ${problem}.`, tag, 'invalid_value');
  }

  return invalidRequest(`Invalid value for '${tag}': ${formatValue(params.tagValue)} is not supported.`, tag, 'invalid_value');
}

/** Picks the errors at the deepest location, merging only `type` errors there. */
function chooseErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const leaves = errors.filter((error) => !COMBINATOR_KEYWORDS.has(error.keyword));
  const meaningful = leaves.filter((error) => !(error.keyword === 'type' && error.params.type === 'null'));
  let candidates = meaningful;
  if (candidates.length === 0) candidates = leaves;
  if (candidates.length === 0) candidates = [...errors];

  const depth = (error: ErrorObject): number => instancePathSegments(error.instancePath).length;
  const maxDepth = Math.max(...candidates.map(depth));
  const deepest = candidates.filter((error) => depth(error) === maxDepth);

  const first = deepest[0];
  if (first === undefined) return [];

  // Non-type errors are more specific ("below the minimum") than a branch's type mismatch.
  const specific = deepest.find((error) => error.keyword !== 'type');
  if (specific !== undefined) return [specific];

  return deepest.filter((error) => error.instancePath === first.instancePath);
}

function instancePathSegments(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) value = childOf(value, segment);
  return value;
}

function childOf(parent: unknown, segment: string): unknown {
  if (Array.isArray(parent)) return parent[Number(segment)];
  if (typeof parent === 'object' && parent !== null) return (parent as Record<string, unknown>)[segment];
  return undefined;
}

function typeNames(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return [String(type)];
}

/** Returns the JSON type name of a parsed value, with `integer` for whole numbers as JSON Schema has it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'a different type';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function formatValues(values: unknown): string {
  return Array.isArray(values) ? values.map(formatValue).join(', ') : formatValue(values);
}

/** Renders a value for a message, shortened so one long string cannot flood logs and clients. */
function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
