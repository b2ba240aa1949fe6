/**
 * Wires metrics, the cost model, variant routing, quality replays and feedback into the gateway
 * app. createGateway calls {@link installObservability} once, before it registers the
 * generation routes, so the metrics middleware wraps them.
 */

import type { Context, Env, Hono, MiddlewareHandler } from 'hono';

import { metricsRoutes } from '../admin/metrics-routes.js';
import { CostModel } from '../cost/cost-model.js';
import { NO_PRICES, type Prices } from '../cost/prices.js';
import { feedbackRoute } from '../feedback/feedback-route.js';
import { RequestIndex } from '../feedback/request-index.js';
import type { Backend } from '../gateway/backend.js';
import { forwardToBackend, type FetchFunction } from '../gateway/forward.js';
import type { Logger } from '../log/logger.js';
import { metrics, type RequestLabels } from '../middleware/metrics/index.js';
import { variantSelect } from '../middleware/variant-select/index.js';
import { GENERATION_ROUTES, type GenerationEndpoint } from '../openai/request-types.js';
import { BackendPool } from '../routing/backend-pool.js';
import { BackgroundQueue } from '../variants/background-queue.js';
import { QualityReplay } from '../variants/quality-replay.js';
import { seededRandom } from '../variants/random.js';
import type { VariantPolicy } from '../variants/variant-policy.js';
import { VariantRouter } from '../variants/variant-router.js';
import type { MetricsStore } from './metrics-store.js';
import type { CacheStatus } from './request-record.js';
import { waitUntil } from './wait-until.js';

/** Variant label of a backend that declares none. */
export const DEFAULT_VARIANT = 'default';

export interface ObservabilityOptions {
  store: MetricsStore;
  prices?: Prices;
  policies?: ReadonlyMap<string, VariantPolicy>;
  /** Token of `/metrics`, `/admin/metrics` and `/dashboard`; those routes return 404 without it. */
  adminToken?: string | undefined;
  /** Seed of the variant router and replay sampling; a random seed when omitted. */
  seed?: number;
  /** Replays running at once and waiting; defaults 1 and 32. */
  replayConcurrency?: number;
  replayMaxPending?: number;
}

/** Gateway parts that installObservability uses. */
export interface ObservabilityContext {
  backends: readonly Backend[];
  logger: Logger;
  fetch: FetchFunction;
  firstByteTimeoutMs: number;
  circuitBreaker: { failureThreshold: number; coolDownMs: number };
}

/** Hono variables that the metrics read; each is set by another middleware when it runs. */
export interface ObservedVariables {
  requestId: string;
  openaiRequest?: { model: string } & Record<string, unknown>;
  tenant?: { id: string };
  variant?: string;
  backendName?: string;
  cacheStatus?: 'hit' | 'semantic-hit' | 'miss' | 'bypass';
  batchSize?: number;
}

export interface InstalledObservability {
  costModel: CostModel;
  router: VariantRouter;
  /**
   * Route middleware that sets `c.var.variant`; place it after validateOpenAI. Undefined when no
   * model has two or more variants, because the labels then report the only variant anyway.
   */
  selectVariant: MiddlewareHandler | undefined;
  /**
   * Returns the pool of backends that serve the chosen variant, with circuit breakers of its own.
   * Returns undefined when the model is not split between variants.
   */
  variantPool(model: string, variant: string | undefined): BackendPool | undefined;
  /** Resolves when every queued quality replay has finished; for tests and shutdown. */
  whenReplaysIdle(): Promise<void>;
}

/**
 * Registers the metrics middleware on the generation routes, `/metrics`, `/admin/metrics`,
 * `/dashboard` and `POST /v1/feedback`, and returns the variant selection step.
 *
 * @example
 * const observability = installObservability(app, { store, prices, adminToken }, { backends, logger, fetch, firstByteTimeoutMs, circuitBreaker });
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), observability.selectVariant, handler);
 */
export function installObservability<E extends Env>(app: Hono<E>, options: ObservabilityOptions, context: ObservabilityContext): InstalledObservability {
  const { store } = options;
  const { backends, logger } = context;
  const costModel = new CostModel(options.prices ?? NO_PRICES);
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));

  const variantsByModel = new Map<string, string[]>();
  const backendsByVariant = new Map<string, Backend[]>();
  for (const backend of backends) {
    const variant = backend.variant ?? DEFAULT_VARIANT;
    for (const model of backend.models) {
      const variants = variantsByModel.get(model) ?? [];
      if (!variants.includes(variant)) variants.push(variant);
      variantsByModel.set(model, variants);
      const key = `${model}\u0000${variant}`;
      backendsByVariant.set(key, [...(backendsByVariant.get(key) ?? []), backend]);
    }
  }

  // NOTE: on Workers the router's estimates and the feedback index live in each isolate, so every
  // isolate learns the split from its own requests. Only the metrics are shared (Durable Object).
  const router = new VariantRouter({
    variants: variantsByModel,
    policies: options.policies ?? new Map(),
    costPerToken: (model, variant) => costModel.rate(model, variant),
    random,
  });

  // TODO: these pools have circuit breakers of their own and get no active health checks from
  // the Node entry, which checks only the gateway's main pool.
  const pools = new Map<string, BackendPool>();
  for (const [model, variants] of variantsByModel) {
    if (variants.length < 2) continue;
    for (const variant of variants) pools.set(`${model}\u0000${variant}`, new BackendPool(backendsByVariant.get(`${model}\u0000${variant}`) ?? [], context.circuitBreaker));
  }

  const queue = new BackgroundQueue({
    concurrency: options.replayConcurrency ?? 1,
    maxPending: options.replayMaxPending ?? 32,
    onError: (error) => logger.warn({ err: error }, 'variant quality replay failed'),
  });
  const replay = new QualityReplay({
    router,
    store,
    queue,
    random,
    logger,
    send: (variant, endpoint, body) => sendToVariant(context, backendsByVariant.get(`${body.model}\u0000${variant}`), endpoint, body),
  });
  const index = new RequestIndex();

  const variantOfBackend = new Map(backends.map((backend) => [backend.name, backend.variant ?? DEFAULT_VARIANT]));
  const labels = (c: Context<{ Variables: ObservedVariables }>): RequestLabels => {
    const requested = c.get('openaiRequest')?.model;
    const model = requested !== undefined && variantsByModel.has(requested) ? requested : 'unknown';
    const backend = c.get('backendName');
    const variant = c.get('variant') ?? (backend === undefined ? undefined : variantOfBackend.get(backend)) ?? variantsByModel.get(model)?.[0] ?? DEFAULT_VARIANT;
    return {
      tenant: c.get('tenant')?.id ?? 'anonymous',
      model,
      variant,
      referenceVariant: router.reference(model) ?? variant,
      backend: backend ?? (isCacheHit(c.get('cacheStatus')) ? 'cache' : 'none'),
      cacheStatus: (c.get('cacheStatus') ?? 'unknown') satisfies CacheStatus,
      batchSize: c.get('batchSize') ?? null,
    };
  };

  const measure = metrics<{ Variables: ObservedVariables }>({
    store,
    costModel,
    logger,
    labels,
    onMeasured: ({ record, text, complete }, c) => {
      if (record.model === 'unknown' || record.status >= 400) return;
      index.remember(c.get('requestId'), { tenant: record.tenant, model: record.model, variant: record.variant });
      if (isCacheHit(record.cacheStatus)) return;

      router.observeLatency(record.model, record.variant, record.durationSeconds);
      const body = c.get('openaiRequest');
      const endpoint = GENERATION_ROUTES[record.route];
      if (body === undefined || endpoint === undefined) return;
      const task = replay.maybeReplay({ model: record.model, variant: record.variant, endpoint, body, servedText: text, complete });
      if (task !== undefined) waitUntil(c as unknown as Context, task);
    },
  });

  const untyped = app as unknown as Hono<{ Variables: ObservedVariables }>;
  for (const path of Object.keys(GENERATION_ROUTES)) untyped.use(path, measure);
  untyped.route('/', metricsRoutes({ store, adminToken: options.adminToken }) as unknown as Hono<{ Variables: ObservedVariables }>);
  untyped.route('/', feedbackRoute({ index, store, router }) as unknown as Hono<{ Variables: ObservedVariables }>);

  return {
    costModel,
    router,
    selectVariant: pools.size === 0 ? undefined : (variantSelect({ router }) as unknown as MiddlewareHandler),
    variantPool: (model, variant) => (variant === undefined ? undefined : pools.get(`${model}\u0000${variant}`)),
    whenReplaysIdle: () => queue.whenIdle(),
  };
}

function isCacheHit(status: string | undefined): boolean {
  return status === 'hit' || status === 'semantic-hit';
}

/** Sends a replay to the first backend of the variant and parses its JSON reply. */
async function sendToVariant(
  context: ObservabilityContext,
  backends: readonly Backend[] | undefined,
  endpoint: GenerationEndpoint,
  body: Record<string, unknown> & { model: string },
): Promise<unknown> {
  const backend = backends?.[0];
  if (backend === undefined) throw new Error(`No backend serves model '${body.model}' in the requested variant.`);

  const reply = await forwardToBackend({
    backend,
    endpoint,
    body,
    requestId: `replay-${crypto.randomUUID()}`,
    firstByteTimeoutMs: context.firstByteTimeoutMs,
    fetch: context.fetch,
  });
  return new Response(reply.body).json();
}
