/**
 * `POST /v1/embeddings`: OpenAI's CreateEmbeddingRequest in, CreateEmbeddingResponse out.
 *
 * Inputs are strings (one, or an array of 1 to 2048). Token-id arrays are rejected, because
 * OpenAI's token ids belong to its own tokenizers and mean nothing to these models. `dimensions`
 * may be the model's size or a smaller size that the model was trained to be truncated to. A
 * truncated vector is normalized again. `encoding_format: "base64"` returns each vector as
 * the base64 of its little-endian float32 bytes, as OpenAI does.
 */

import type { Logger } from '../../src/log/logger.js';
import { invalidRequest, modelNotFound } from '../../src/openai/errors.js';
import type { EmbeddingBatcher } from '../embeddings/embedding-batcher.js';
import { normalize } from '../embeddings/embedding-model.js';
import { overloadedToApiError } from './overload-error.js';
import { createRequestSignal, timeoutToApiError } from './request-signal.js';

const MAX_INPUTS = 2048;
const REQUEST_FIELDS = new Set(['input', 'model', 'encoding_format', 'dimensions', 'user']);

export interface EmbeddingRequest {
  model: string;
  inputs: string[];
  encodingFormat: 'float' | 'base64';
  dimensions: number | undefined;
}

export interface EmbeddingsContext {
  /** Embedding model id to its batcher. */
  models: ReadonlyMap<string, EmbeddingBatcher>;
  clientSignal: AbortSignal;
  requestTimeoutMs: number;
  logger: Logger;
}

/** Validates the body against OpenAI's CreateEmbeddingRequest rules this backend supports. */
export function parseEmbeddingRequest(body: Record<string, unknown>): EmbeddingRequest {
  for (const key of Object.keys(body)) {
    if (!REQUEST_FIELDS.has(key)) throw invalidRequest(`Unrecognized request argument supplied: ${key}.`, key);
  }

  if (typeof body.model !== 'string') throw invalidRequest("'model' is a required string.", 'model');
  const inputs = parseInputs(body.input);

  const encodingFormat = body.encoding_format ?? 'float';
  if (encodingFormat !== 'float' && encodingFormat !== 'base64') {
    throw invalidRequest(`Invalid 'encoding_format' ${JSON.stringify(encodingFormat)}: expected 'float' or 'base64'.`, 'encoding_format');
  }

  const dimensions = body.dimensions;
  if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
    throw invalidRequest(`Invalid 'dimensions' ${JSON.stringify(dimensions)}: expected an integer of at least 1.`, 'dimensions');
  }
  if (body.user !== undefined && typeof body.user !== 'string') throw invalidRequest("'user' must be a string.", 'user');

  return { model: body.model, inputs, encodingFormat, dimensions };
}

function parseInputs(input: unknown): string[] {
  if (typeof input === 'string') {
    if (input === '') throw invalidRequest("'input' cannot be an empty string.", 'input');
    return [input];
  }
  if (!Array.isArray(input)) throw invalidRequest("'input' must be a string or an array of strings.", 'input');
  if (input.length === 0 || input.length > MAX_INPUTS) throw invalidRequest(`'input' must contain 1 to ${MAX_INPUTS} items, got ${input.length}.`, 'input');

  return input.map((item, index) => {
    if (typeof item === 'number' || Array.isArray(item)) {
      throw invalidRequest('Token-id inputs are not supported by this backend: send the text as strings.', 'input');
    }
    if (typeof item !== 'string') throw invalidRequest(`'input[${index}]' must be a string.`, `input[${index}]`);
    if (item === '') throw invalidRequest(`'input[${index}]' cannot be an empty string.`, `input[${index}]`);
    return item;
  });
}

export async function handleEmbeddings(request: EmbeddingRequest, context: EmbeddingsContext): Promise<Response> {
  const batcher = context.models.get(request.model);
  if (batcher === undefined) throw modelNotFound(request.model);

  const model = batcher.model;
  const dimensions = request.dimensions ?? model.dimension;
  if (dimensions !== model.dimension && !model.truncatableDimensions.includes(dimensions)) {
    const allowed = [...model.truncatableDimensions, model.dimension].join(', ');
    throw invalidRequest(`Model '${model.id}' does not support dimensions ${dimensions}; supported: ${allowed}.`, 'dimensions');
  }

  const cancellation = createRequestSignal(context.clientSignal, context.requestTimeoutMs);
  let vectors: Float32Array[];
  try {
    vectors = await batcher.embed(request.inputs, cancellation.signal);
  } catch (error) {
    throw overloadedToApiError(timeoutToApiError(error));
  } finally {
    cancellation.dispose();
  }

  const promptTokens = request.inputs.reduce((sum, text) => sum + model.countTokens(text), 0);
  const data = vectors.map((vector, index) => {
    const output = dimensions === vector.length ? vector : normalize(vector.slice(0, dimensions));
    return { object: 'embedding', index, embedding: request.encodingFormat === 'base64' ? toBase64(output) : Array.from(output) };
  });
  context.logger.info({ model: model.id, inputs: request.inputs.length, promptTokens }, 'embeddings completed');
  return Response.json({ object: 'list', data, model: model.id, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}

/** Base64 of the vector's float32 values in little-endian byte order. */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}
