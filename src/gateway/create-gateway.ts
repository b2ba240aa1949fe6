/**
 * The OpenAI-compatible edge gateway as one Hono app, built only on Web-standard APIs so the same
 * code runs in workerd (edge/worker.ts) and in Node (edge/node.ts).
 */

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId, type RequestIdVariables } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

import type { Logger } from '../log/logger.js';
import { accessLog } from '../middleware/access-log/index.js';
import { openaiErrorHandler, openaiNotFound } from '../middleware/on-error/index.js';
import { validateOpenAI } from '../middleware/validate-openai/index.js';
import { ApiError, modelNotFound } from '../openai/errors.js';
import type { ChatCompletionRequest, CompletionRequest, GenerationEndpoint } from '../openai/request-types.js';
import { parseBackends, type Backend, type BackendPaths } from './backend.js';
import { forwardToBackend, type FetchFunction } from './forward.js';
import type { ResponseTransformName } from './response-transforms.js';
import { DEFAULT_FIRST_BYTE_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from './settings.js';

/** A backend description before validation; see {@link Backend} for the meaning of each field. */
export interface BackendInit {
  name: string;
  baseURL: string;
  models: readonly string[];
  paths?: Partial<BackendPaths>;
  parameterMap?: Readonly<Record<string, string | null>>;
  responseTransform?: ResponseTransformName;
  firstByteTimeoutMs?: number;
}

export interface GatewayOptions {
  backends: readonly BackendInit[];
  logger: Logger;
  /** Largest accepted request body in bytes; larger bodies get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Time to a backend's response headers before the gateway returns 504, in ms. Default 60 s. */
  firstByteTimeoutMs?: number;
  /** Replaces the global `fetch` for backend requests. */
  fetch?: FetchFunction;
}

export interface GatewayVariables extends RequestIdVariables {
  /** Set by validateOpenAI on generation routes only. */
  openaiRequest?: CompletionRequest | ChatCompletionRequest;
}

export interface GatewayEnv {
  Variables: GatewayVariables;
}

/** One `GET /v1/models` entry, as OpenAI's `Model` schema defines it. */
interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * Creates the gateway app: `POST /v1/completions`, `POST /v1/chat/completions`, `GET /v1/models`
 * and `GET /health`. Throws GatewayConfigError when the backends or limits are invalid, so a
 * misconfigured gateway fails at startup rather than on the first request.
 *
 * @example
 * const app = createGateway({
 *   backends: [{ name: 'local', baseURL: 'http://127.0.0.1:8000/v1', models: ['stories260K'] }],
 *   logger: pino(),
 * });
 * serve({ fetch: app.fetch, port: 8787 });
 */
export function createGateway(options: GatewayOptions): Hono<GatewayEnv> {
  const backends = parseBackends(options.backends, 'backends');
  const maxBodyBytes = requirePositiveInteger(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
  const firstByteTimeoutMs = requirePositiveInteger(options.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS, 'firstByteTimeoutMs');
  const fetchBackend: FetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  const { logger } = options;

  const backendByModel = new Map<string, Backend>();
  for (const backend of backends) {
    for (const model of backend.models) backendByModel.set(model, backend);
  }

  const logFields = (c: Context<GatewayEnv>) => {
    const model = c.var.openaiRequest?.model;
    return { requestId: c.var.requestId, model, backend: model === undefined ? undefined : backendByModel.get(model)?.name };
  };

  const app = new Hono<GatewayEnv>();
  app.use(requestId());
  app.use(accessLog<GatewayEnv>({ logger, fields: logFields }));
  app.onError(openaiErrorHandler<GatewayEnv>({ logger, fields: logFields }));
  app.notFound(openaiNotFound<GatewayEnv>());

  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new ApiError(`The request body is larger than the limit of ${maxBodyBytes} bytes.`, {
        status: 413,
        type: 'invalid_request_error',
        code: 'request_too_large',
      });
    },
  });

  const forwardGeneration = async <E extends GatewayEnv>(
    endpoint: GenerationEndpoint,
    request: CompletionRequest | ChatCompletionRequest,
    c: Context<E>,
  ): Promise<Response> => {
    const backend = backendByModel.get(request.model);
    if (backend === undefined) throw modelNotFound(request.model);

    const reply = await forwardToBackend({
      backend,
      endpoint,
      body: request,
      requestId: c.var.requestId,
      firstByteTimeoutMs,
      clientSignal: c.req.raw.signal,
      fetch: fetchBackend,
    });

    // c.body keeps the headers that middleware set (x-request-id); a bare Response would drop them.
    const status = reply.status as ContentfulStatusCode;
    return reply.body === null ? c.body(null, status, reply.headers) : c.body(reply.body, status, reply.headers);
  };

  app.post('/v1/completions', limitBody, validateOpenAI({ endpoint: 'completions' }), (c) =>
    forwardGeneration('completions', c.var.openaiRequest, c),
  );
  app.post('/v1/chat/completions', limitBody, validateOpenAI({ endpoint: 'chat.completions' }), (c) =>
    forwardGeneration('chat.completions', c.var.openaiRequest, c),
  );

  // NOTE: the list comes from configuration without asking the backends, so creation times are
  // unknown and `created` is 0 (the Unix epoch) for every model.
  const models: ModelObject[] = backends.flatMap((backend) =>
    backend.models.map((id) => ({ id, object: 'model' as const, created: 0, owned_by: backend.name })),
  );
  app.get('/v1/models', (c) => c.json({ object: 'list', data: models }));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  return app;
}

function requirePositiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`createGateway: options.${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}
