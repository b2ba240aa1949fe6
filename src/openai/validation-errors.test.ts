import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';

import { formatParam, toInvalidRequestError } from './validation-errors.js';

function ajvError(instancePath: string, keyword: string, params: Record<string, unknown>): ErrorObject {
  return { instancePath, schemaPath: `#/${keyword}`, keyword, params };
}

describe('formatParam', () => {
  it('uses brackets for array indexes only', () => {
    const body = { messages: [{ content: [{ text: 'x' }] }], logit_bias: { '50256': 'x' } };

    expect(formatParam(['messages', '0', 'content', '0', 'text'], body)).toBe('messages[0].content[0].text');
    expect(formatParam(['logit_bias', '50256'], body)).toBe('logit_bias.50256');
  });
});

describe('toInvalidRequestError', () => {
  it('unescapes JSON pointer segments', () => {
    const body = { metadata: { 'a/b~c': 1 } };
    const error = toInvalidRequestError([ajvError('/metadata/a~1b~0c', 'type', { type: 'string' })], body);

    expect(error.param).toBe('metadata.a/b~c');
    expect(error.message).toBe("Invalid type for 'metadata.a/b~c': expected string, but got integer instead.");
  });

  it('prefers the deepest error', () => {
    const body = { tools: [{ type: 'function', function: {} }] };
    const error = toInvalidRequestError(
      [
        ajvError('/tools/0', 'required', { missingProperty: 'custom' }),
        ajvError('/tools/0/function', 'required', { missingProperty: 'name' }),
        ajvError('/tools/0', 'oneOf', { passingSchemas: null }),
      ],
      body,
    );

    expect(error.param).toBe('tools[0].function.name');
  });

  it('ignores null alternatives of nullable fields', () => {
    const error = toInvalidRequestError(
      [
        ajvError('/top_p', 'maximum', { comparison: '<=', limit: 1 }),
        ajvError('/top_p', 'type', { type: 'null' }),
        ajvError('/top_p', 'anyOf', {}),
      ],
      { top_p: 1.5 },
    );

    expect(error.message).toBe("Invalid 'top_p': 1.5 is above the maximum value; expected a value <= 1.");
  });

  it('shortens long values in messages', () => {
    const value = 'y'.repeat(500);
    const error = toInvalidRequestError([ajvError('/service_tier', 'enum', { allowedValues: ['auto', 'default'] })], { service_tier: value });

    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain("Supported values are: 'auto', 'default'.");
  });

  it('explains an ambiguous oneOf', () => {
    const error = toInvalidRequestError([ajvError('/prediction', 'oneOf', { passingSchemas: [0, 1] })], { prediction: {} });

    expect(error.param).toBe('prediction');
    expect(error.message).toContain('matches more than one of the allowed forms');
  });

  it('describes a root type error', () => {
    const error = toInvalidRequestError([ajvError('', 'type', { type: 'object' })], ['not', 'an', 'object']);

    expect(error.param).toBeNull();
    expect(error.message).toBe('The request body must be a JSON object, but got array.');
  });

  it('falls back when no error is given', () => {
    const error = toInvalidRequestError([], {});

    expect(error.status).toBe(400);
    expect(error.message).toBe('The request body is invalid.');
  });
});
