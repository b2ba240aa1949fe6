/**
 * The backend's OpenAI-compatible HTTP API as a Hono app: `/v1/completions`,
 * `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`, `/health` and Prometheus `/metrics`.
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
import type { BackendMetrics } from '../runtime/metrics/backend-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '../runtime/metrics/registry.js';
import type { EmbeddingBatcher } from '../embeddings/embedding-batcher.js';
import { handleEmbeddings, parseEmbeddingRequest } from './embeddings-route.js';
import { handleGeneration } from './generation-handler.js';
import { parseChatRequest, parseCompletionRequest, type ParsedGenerationRequest } from './generation-request.js';
import { requestContext, type RequestVariables } from './request-context.js';
import { chatFormat, completionFormat, type ResponseFormat } from './response-format.js';
import { registerBatchRoute } from './batch-route.js';

export interface BackendAppOptions {
  engine: Engine;
  /** The only model id this backend serves; other ids in a request get 404. */
  modelId: string;
  logger: Logger;
  /** Maximum time in milliseconds for a generation request, queueing included, before it fails with 504. */
  requestTimeoutMs: number;
  /** Unix seconds reported as the model's `created` in `/v1/models`; defaults to the app's start time. */
  modelCreated?: number;
  /** Served at `GET /metrics`; without it the route returns 404. */
  metrics?: BackendMetrics;
  /** Embedding model id to its batcher, served at `/v1/embeddings`. */
  embeddingModels?: ReadonlyMap<string, EmbeddingBatcher>;
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

  const embeddingModels = options.embeddingModels ?? new Map<string, EmbeddingBatcher>();
  app.post('/v1/embeddings', async (c) => {
    const request = parseEmbeddingRequest(await readJsonBody(c));
    return handleEmbeddings(request, {
      models: embeddingModels,
      clientSignal: c.req.raw.signal,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: c.get('logger'),
    });
  });

  const modelIds = [modelId, ...embeddingModels.keys()];
  const modelObject = (id: string) => ({ id, object: 'model', created: modelCreated, owned_by: 'slimgate' });
  app.get('/v1/models', (c) => c.json({ object: 'list', data: modelIds.map(modelObject) }));
  app.get('/v1/models/:model', (c) => {
    if (!modelIds.includes(c.req.param('model'))) throw new ApiError(`The model '${c.req.param('model')}' does not exist.`, { status: 404, type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    return c.json(modelObject(c.req.param('model')));
  });

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      model: modelId,
      execution_provider: engine.executionProvider,
      ...(engine.activeOnnxPath === undefined ? {} : { active_model_file: engine.activeOnnxPath }),
      queue: engine.status(),
    }),
  );

  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', (c) => c.body(metrics.registry.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
  }

  app.notFound((c) =>
    errorResponse(new ApiError(`Unknown route: ${c.req.method} ${c.req.path}.`, { status: 404, type: 'invalid_request_error', code: 'unknown_url' })),
  );

  app.onError((error, c) => {
    if (!(error instanceof ApiError)) c.get('logger').error({ err: error }, 'unhandled error');
    const response = errorResponse(error);
    response.headers.set('x-request-id', c.get('requestId'));
    return response;
  });

  registerBatchRoute(app);
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
