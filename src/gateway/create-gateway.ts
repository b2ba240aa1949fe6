/**
 * The OpenAI-compatible edge gateway as one Hono app, built only on Web-standard APIs so the same
 * code runs in workerd (edge/worker.ts) and in Node (edge/node.ts).
 */

import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { requestId, type RequestIdVariables } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

import { adminKeyRoutes } from '../admin/keys-routes.js';
import { createResultCacheLayer, type ResultCacheLayerOptions } from '../cache/gateway-layer.js';
import type { CacheLayerVariables } from '../cache/variables.js';
import type { Logger } from '../log/logger.js';
import { installObservability, type ObservabilityOptions } from '../metrics/gateway-observability.js';
import { accessLog } from '../middleware/access-log/index.js';
import { apiKeyAuth, requireModelAccess } from '../middleware/auth/index.js';
import { bodyLimit } from '../middleware/body-limit/index.js';
import { requestLimits, type RequestLimitsOptions } from '../middleware/limits/index.js';
import { DEFAULT_REQUEST_LIMITS } from '../middleware/limits/settings.js';
import { usageLimits, type SpendRecord } from '../middleware/rate-limit/index.js';
import { openaiErrorHandler, openaiNotFound } from '../middleware/on-error/index.js';
import { omitUnrequestedUsage, withStreamUsage } from '../middleware/stream-usage/index.js';
import { validateOpenAI } from '../middleware/validate-openai/index.js';
import { ApiError, modelNotFound } from '../openai/errors.js';
import { GENERATION_ROUTES, type ChatCompletionRequest, type CompletionRequest, type GenerationEndpoint } from '../openai/request-types.js';
import { BackendPool } from '../routing/backend-pool.js';
import { routeRequest } from '../routing/route-request.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing/settings.js';
import { markCompleteBody } from '../streams/complete-body.js';
import { MemoryKeyStore } from '../tenancy/memory-key-store.js';
import { DEFAULT_COMPLETION_ESTIMATE } from '../tenancy/pricing.js';
import type { TenancySettings } from '../tenancy/settings.js';
import type { KeyStore } from '../tenancy/types.js';
import { MemoryUsageStore, type UsageStore } from '../tenancy/usage-store.js';
import type { TenancyVariables } from '../tenancy/variables.js';
import { parseBackends, type BackendPaths } from './backend.js';
import type { FetchFunction } from './forward.js';
import type { RequestSource } from './request-source.js';
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
  variant?: string;
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
  /** Authentication, keys, rate limits and budgets; authentication is off when omitted. */
  tenancy?: GatewayTenancyOptions;
  /** Message count, max_tokens and prompt length limits; defaults in limits/settings.ts. */
  limits?: RequestLimitsOptions;
  /** Retries, timeouts and circuit breakers; defaults in routing/settings.ts. */
  routing?: RoutingSettings;
  /** The pool to route with, when the caller also runs health checks on it; built from `backends` otherwise. */
  backendPool?: BackendPool;
  /** Result cache (exact and semantic tiers) and in-flight coalescing; each is off when omitted. */
  resultCache?: ResultCacheLayerOptions;
  /** Request metrics, cost model, dashboard and traffic split between variants; off when omitted. */
  observability?: ObservabilityOptions;
  /** Cheaper access to the request body and the client's abort signal than `c.req.raw` (Node entry). */
  requestSource?: RequestSource;
}

export interface GatewayTenancyOptions extends Partial<TenancySettings> {
  /** Store of API keys; an empty in-memory store when omitted. */
  keyStore?: KeyStore;
  /** Store of rate and budget counters; an in-memory store when omitted. */
  usageStore?: UsageStore;
  /** Receives the settled usage and cost of every generation request, for metrics. */
  onSettled?: (record: SpendRecord) => void;
}

export interface GatewayVariables extends RequestIdVariables, TenancyVariables, CacheLayerVariables {
  /** Set by validateOpenAI on generation routes only. */
  openaiRequest?: CompletionRequest | ChatCompletionRequest;
  /** Name of the backend that served the response; unset when no backend did. */
  backendName?: string;
  /** Backend attempts made for the request, 1 when the first one succeeded. */
  attempts?: number;
  /** Deployed variant chosen for the request when its model has several (variant-select). */
  variant?: string;
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
  const routing = options.routing ?? DEFAULT_ROUTING_SETTINGS;
  const pool = options.backendPool ?? new BackendPool(backends, routing.circuitBreaker);
  const tenancy = options.tenancy ?? {};
  const keyStore = tenancy.keyStore ?? new MemoryKeyStore();
  const usageStore = tenancy.usageStore ?? new MemoryUsageStore();
  const limits = options.limits ?? DEFAULT_REQUEST_LIMITS;
  const authMode = tenancy.auth ?? 'off';
  if (authMode === 'off') {
    logger.warn({ auth: 'off' }, 'authentication is off: /v1 routes accept requests without an API key; set AUTH=on to require keys');
  }

  const logFields = (c: Context<GatewayEnv>) => ({
    requestId: c.get('requestId'),
    model: c.get('openaiRequest')?.model,
    backend: c.get('backendName'),
    tenant: c.get('tenant')?.id,
  });

  const app = new Hono<GatewayEnv>();
  app.use(requestId());
  app.use(accessLog<GatewayEnv>({ logger, fields: logFields }));
  app.onError(openaiErrorHandler<GatewayEnv>({ logger, fields: logFields }));
  app.notFound(openaiNotFound<GatewayEnv>());
  app.use('/v1/*', apiKeyAuth({ mode: authMode, keyStore, ...(tenancy.hashSecret === undefined ? {} : { hashSecret: tenancy.hashSecret }) }));
  app.route('/admin', adminKeyRoutes({ keyStore, usageStore, adminToken: tenancy.adminToken, ...(tenancy.hashSecret === undefined ? {} : { hashSecret: tenancy.hashSecret }), logger }));

  // With authentication off no request has a key, so the model allowlist has nothing to check.
  const checkRequest: MiddlewareHandler[] = [];
  if (authMode === 'on') checkRequest.push(requireModelAccess());
  checkRequest.push(
    requestLimits(limits),
    usageLimits({
      store: usageStore,
      prices: tenancy.prices ?? {},
      defaultCompletionTokens: Math.min(limits.maxTokens, DEFAULT_COMPLETION_ESTIMATE),
      logger,
      ...(tenancy.onSettled === undefined ? {} : { onSettled: tenancy.onSettled }),
    }),
  );

  const requestSource = options.requestSource;
  const limitBody = bodyLimit({ maxBytes: maxBodyBytes, ...(requestSource === undefined ? {} : { source: (c) => requestSource.body(c) }) });
  if (requestSource !== undefined) {
    app.use('/v1/*', async (c, next) => {
      const signal = requestSource.signal(c);
      if (signal !== undefined) c.set('clientSignal', signal);
      await next();
    });
  }

  const forwardGeneration = async (endpoint: GenerationEndpoint, c: Context<GatewayEnv>): Promise<Response> => {
    const request = c.get('openaiRequest');
    if (request === undefined) throw new TypeError('createGateway: the generation route ran without validateOpenAI.');
    const routed = await routeRequest({
      pool: observability?.variantPool(request.model, c.get('variant')) ?? pool,
      policy: routing.retry,
      endpoint,
      body: withStreamUsage(request),
      requestId: c.get('requestId'),
      firstByteTimeoutMs,
      // Coalesced requests share one backend call, which must outlive the leader's own client.
      clientSignal: c.get('backendSignal') ?? c.get('clientSignal') ?? c.req.raw.signal,
      fetch: c.get('backendFetch') ?? fetchBackend,
      logger,
    });
    c.set('backendName', routed.backend.name);
    c.set('attempts', routed.attempts);
    const reply = routed.response;

    // c.body keeps the headers that middleware set (x-request-id); a bare Response would drop them.
    const status = reply.status as ContentfulStatusCode;
    if (reply.body === null) return c.body(null, status, reply.headers);
    if (typeof reply.body === 'string') return markCompleteBody(c.body(reply.body, status, reply.headers), reply.body);
    return c.body(reply.body, status, reply.headers);
  };

  const cacheLayer = createResultCacheLayer(options.resultCache ?? {}, logger);

  // Outside the metrics, usage and cache middleware, so that they see the usage of every stream
  // before it is taken out for a client that did not ask for it.
  for (const path of Object.keys(GENERATION_ROUTES)) app.use(path, omitUnrequestedUsage());

  // Registered before the generation routes, so its metrics middleware wraps them.
  const observability =
    options.observability === undefined
      ? undefined
      : installObservability(app, options.observability, { backends, logger, fetch: fetchBackend, firstByteTimeoutMs, circuitBreaker: routing.circuitBreaker });
  // selectVariant is undefined when no model is split between variants, so the routes skip it.
  const selectVariant = observability?.selectVariant;
  const checkAndCache = (endpoint: GenerationEndpoint): MiddlewareHandler[] => [
    validateOpenAI({ endpoint }),
    ...checkRequest,
    cacheLayer(endpoint),
    ...(selectVariant === undefined ? [] : [selectVariant]),
  ];

  app.post('/v1/completions', limitBody, ...checkAndCache('completions'), (c) => forwardGeneration('completions', c));
  app.post('/v1/chat/completions', limitBody, ...checkAndCache('chat.completions'), (c) => forwardGeneration('chat.completions', c));

  // NOTE: the list comes from configuration without asking the backends, so creation times are
  // unknown and `created` is 0 (the Unix epoch) for every model.
  // A model served by several backends is listed once, owned by the first.
  const modelById = new Map<string, ModelObject>();
  for (const backend of backends) {
    for (const id of backend.models) {
      if (!modelById.has(id)) modelById.set(id, { id, object: 'model', created: 0, owned_by: backend.name });
    }
  }
  const models = [...modelById.values()];
  app.get('/v1/models', (c) => {
    const allowed = c.get('apiKey')?.models;
    return c.json({ object: 'list', data: allowed === undefined || allowed === null ? models : models.filter((model) => allowed.includes(model.id)) });
  });

  app.get('/v1/models/:model', (c) => {
    const id = c.req.param('model');
    const allowed = c.get('apiKey')?.models;
    const model = modelById.get(id);
    if (model === undefined || (allowed !== undefined && allowed !== null && !allowed.includes(id))) throw modelNotFound(id);
    return c.json(model);
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));

  rejectOtherMethods(app, { '/v1/completions': 'POST', '/v1/chat/completions': 'POST', '/v1/models': 'GET', '/health': 'GET' });

  return app;
}

/** Responds to a known path called with the wrong method with 405 and an `Allow` header, not 404. */
function rejectOtherMethods(app: Hono<GatewayEnv>, allowedMethods: Record<string, string>): void {
  for (const [path, allowed] of Object.entries(allowedMethods)) {
    app.all(path, (c) => {
      throw new ApiError(`Method ${c.req.method} is not allowed on ${path}; use ${allowed}.`, {
        status: 405,
        type: 'invalid_request_error',
        code: 'method_not_allowed',
        headers: { Allow: allowed },
      });
    });
  }
}

function requirePositiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`createGateway: options.${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}
