/**
 * Ajv validators for OpenAI's CreateEmbeddingRequest and CreateEmbeddingResponse, compiled at
 * test time from the OpenAPI document beside the repository, because the generated validator
 * modules cover the completion endpoints only.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

import { collectComponentSchemas } from '../../../src/openai/openapi-json-schema.js';

const SPEC_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/specs/openai-openapi.yaml');

export interface EmbeddingValidators {
  request: ValidateFunction;
  response: ValidateFunction;
}

export async function loadEmbeddingValidators(): Promise<EmbeddingValidators> {
  const spec = parse(await readFile(SPEC_PATH, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const schemas = collectComponentSchemas(spec.components.schemas, ['CreateEmbeddingRequest', 'CreateEmbeddingResponse']);
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false, validateFormats: false });
  for (const schema of schemas.values()) ajv.addSchema(schema);
  return { request: ajv.getSchema('CreateEmbeddingRequest')!, response: ajv.getSchema('CreateEmbeddingResponse')! };
}
