/**
 * The backend's OpenAI-compatible HTTP API as a Hono app: `/v1/completions`,
 * `/v1/chat/completions`, `/v1/models` and `/health`.
 *
 * Usage counts are exact token counts, and `prompt_tokens` includes the BOS token that starts
 * every text prompt, because the model processes it like any other token.
 */

import { Hono, type Context } from 'hono';

import type { Logger } from '../../src/log/logger.js';
import { ApiError, errorResponse, invalidRequest } from '../../src/openai/errors.js';
import { validateCreateChatCompletionRequest, validateCreateCompletionRequest } from '../../src/openai/generated/request-validators.js';
import type { StandaloneValidator } from '../../src/openai/standalone-validator.js';
import { toInvalidRequestError } from '../../src/openai/validation-errors.js';
import type { Engine } from '../runtime/generation.js';
import { handleGeneration } from './generation-handler.js';
import { parseChatRequest, parseCompletionRequest, type ParsedGenerationRequest } from './generation-request.js';
import { requestContext, type RequestVariables } from './request-context.js';
import { chatFormat, completionFormat, type ResponseFormat } from './response-format.js';

export interface BackendAppOptions {
  engine: Engine;
  /** The only model id this backend serves; other ids in a request get 404. */
  modelId: string;
  logger: Logger;
  /** Maximum time in milliseconds for a generation request, queueing included, before it fails with 504. */
  requestTimeoutMs: number;
  /** Unix seconds reported as the model's `created` in `/v1/models`; defaults to the app's start time. */
  modelCreated?: number;
}

type Env = { Variables: RequestVariables };
type BodyParser = (body: Record<string, unknown>, engine: Engine, modelId: string) => ParsedGenerationRequest;

export function createBackendApp(options: BackendAppOptions): Hono<Env> {
  const { engine, modelId, logger } = options;
  const modelCreated = options.modelCreated ?? Math.floor(Date.now() / 1000);
  const app = new Hono<Env>();

  app.use('*', requestContext(logger));

  const generationRoute = (validate: StandaloneValidator, parse: BodyParser, format: ResponseFormat) => async (c: Context<Env>) => {
    const body = await readJsonBody(c);
    if (!validate(body)) throw toInvalidRequestError(validate.errors ?? [], body);

    const request = parse(body, engine, modelId);
    return handleGeneration(request, {
      engine,
      modelId,
      format,
      logger: c.get('logger'),
      clientSignal: c.req.raw.signal,
      requestTimeoutMs: options.requestTimeoutMs,
      headers: { 'x-request-id': c.get('requestId') },
    });
  };

  app.post('/v1/completions', generationRoute(validateCreateCompletionRequest, parseCompletionRequest, completionFormat));
  app.post('/v1/chat/completions', generationRoute(validateCreateChatCompletionRequest, parseChatRequest, chatFormat));

  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: modelId, object: 'model', created: modelCreated, owned_by: 'slimgate' }] }));
  app.get('/v1/models/:model', (c) => {
    if (c.req.param('model') !== modelId) throw new ApiError(`The model '${c.req.param('model')}' does not exist.`, { status: 404, type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    return c.json({ id: modelId, object: 'model', created: modelCreated, owned_by: 'slimgate' });
  });

  app.get('/health', (c) => c.json({ status: 'ok', model: modelId, execution_provider: engine.executionProvider, queue: engine.status() }));

  app.notFound((c) =>
    errorResponse(new ApiError(`Unknown route: ${c.req.method} ${c.req.path}.`, { status: 404, type: 'invalid_request_error', code: 'unknown_url' })),
  );

  app.onError((error, c) => {
    if (!(error instanceof ApiError)) c.get('logger').error({ err: error }, 'unhandled error');
    const response = errorResponse(error);
    response.headers.set('x-request-id', c.get('requestId'));
    return response;
  });

  return app;
}

async function readJsonBody(c: Context<Env>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`The request body is not valid JSON: ${(error as Error).message}.`, null, 'invalid_json');
  }

  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  return body as Record<string, unknown>;
}
