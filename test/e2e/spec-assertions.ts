/**
 * Assertions that a response body or stream chunk matches OpenAI's published schema, through the
 * generated standalone validators.
 */

import { expect } from 'vitest';

import type { StandaloneValidator } from '../../src/openai/standalone-validator.js';
import * as validators from '../../src/openai/generated/response-validators.js';

export type ResponseSchemaName = keyof typeof validators extends `validate${infer Name}` ? Name : never;

/** Fails the test, listing Ajv's errors, unless `value` is valid against the named schema. */
export function expectMatchesSchema(schema: ResponseSchemaName, value: unknown): void {
  const validate = (validators as Record<string, StandaloneValidator>)[`validate${schema}`];
  if (validate === undefined) throw new Error(`No generated validator for ${schema}.`);

  const valid = validate(value);
  expect(valid ? [] : validate.errors, `${schema} validation of ${JSON.stringify(value).slice(0, 300)}`).toEqual([]);
}
