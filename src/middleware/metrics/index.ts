/**
 * Metrics middleware: measures each generation request (time to first token, total latency,
 * tokens, cost) and sends one record to a metrics store when the response body has ended.
 */

import type { Context, Env, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

import type { CostModel } from '../../cost/cost-model.js';
import type { Logger } from '../../log/logger.js';
import { bodyObserverTap, observeCompleteJson, type BodyKind, type BodyObservation } from '../../metrics/body-observer.js';
import type { MetricsStore } from '../../metrics/metrics-store.js';
import type { CacheStatus, RequestRecord } from '../../metrics/request-record.js';
import { waitUntil } from '../../metrics/wait-until.js';
import { completeBodyOf, hasNullBody } from '../../streams/complete-body.js';
import { tapResponseBody } from '../body-taps.js';

/** Response header where a backend may report its queue time, in milliseconds. */
export const QUEUE_TIME_HEADER = 'slimgate-queue-time-ms';

/** Response header where a backend may report the batch size it decoded the request in. */
export const BATCH_SIZE_HEADER = 'slimgate-batch-size';

/** Labels of a request that the application supplies, read after the response is ready. */
export interface RequestLabels {
  tenant: string;
  model: string;
  variant: string;
  /** Variant that defines the cost baseline of `model`. */
  referenceVariant: string;
  backend: string;
  cacheStatus: CacheStatus;
  /** Set by a batching layer in front of the backend; the response header is read otherwise. */
  batchSize: number | null;
}

/** A finished request with the text of its first choice, for quality sampling. */
export interface MeasuredRequest {
  record: RequestRecord;
  text: string;
  complete: boolean;
}

export interface MetricsOptions<E extends Env = Env> {
  store: MetricsStore;
  costModel: CostModel;
  logger: Logger;
  labels: (c: Context<E>) => RequestLabels;
  /** Called with each finished request, after it is recorded. */
  onMeasured?: (measured: MeasuredRequest, c: Context<E>) => void;
  /** Monotonic clock in milliseconds; `performance.now` by default. */
  clock?: () => number;
}

/**
 * Creates middleware that records every request it wraps. Response bodies pass through a
 * TransformStream that watches the chunks, so streams reach the client unbuffered, and the record
 * is written when the body ends (on Workers through `executionCtx.waitUntil`).
 *
 * @example
 * app.post('/v1/completions', metrics({ store, costModel, logger, labels: (c) => labelsOf(c) }), handler);
 */
export function metrics<E extends Env = Env>(options: MetricsOptions<E>): MiddlewareHandler<E> {
  const { store, costModel, logger, labels, onMeasured, clock = () => performance.now() } = validateOptions(options);

  return async function metricsMiddleware(c, next) {
    const startedAt = clock();

    await next();

    const response = c.res;
    const route = routePath(c, -1);
    const requestLabels = labels(c);
    const queueSeconds = readNumberHeader(response.headers, QUEUE_TIME_HEADER, 1 / 1000);
    const batchSize = requestLabels.batchSize ?? readNumberHeader(response.headers, BATCH_SIZE_HEADER, 1);

    let resolveEnded!: (observation: BodyObservation) => void;
    const ended = new Promise<BodyObservation>((resolve) => (resolveEnded = resolve));
    const complete = completeBodyOf(c.res);
    if (hasNullBody(response)) {
      resolveEnded({ firstChunkAt: null, endedAt: clock(), usage: null, contentEvents: 0, complete: true, text: '' });
    } else if (complete !== undefined) {
      // The whole body is ready now, so its first byte and its end are this moment.
      const at = clock();
      resolveEnded({ ...observeCompleteJson(complete), firstChunkAt: complete === '' ? null : at, endedAt: at, contentEvents: 0, complete: true });
    } else {
      tapResponseBody(c, bodyObserverTap(bodyKind(response.headers.get('content-type')), clock, resolveEnded));
    }

    const streamed = bodyKind(response.headers.get('content-type')) === 'event-stream';
    const recorded = ended.then(async (observation) => {
      const record = buildRecord({ observation, startedAt, route, status: response.status, streamed, requestLabels, queueSeconds, batchSize, costModel });
      await store.recordRequest(record);
      onMeasured?.({ record, text: observation.text, complete: observation.complete }, c);
    });
    waitUntil(
      c,
      recorded.catch((error: unknown) => logger.error({ err: error, model: requestLabels.model }, 'request metrics could not be recorded')),
    );
  };
}

interface RecordParts {
  observation: BodyObservation;
  startedAt: number;
  route: string;
  status: number;
  streamed: boolean;
  requestLabels: RequestLabels;
  queueSeconds: number | null;
  batchSize: number | null;
  costModel: CostModel;
}

function buildRecord(parts: RecordParts): RequestRecord {
  const { observation, startedAt, requestLabels, queueSeconds, batchSize } = parts;
  const promptTokens = observation.usage?.promptTokens ?? 0;
  const completionTokens = observation.usage?.completionTokens ?? observation.contentEvents;
  const durationSeconds = Math.max(0, (observation.endedAt - startedAt) / 1000);

  const cost = parts.costModel.price({
    model: requestLabels.model,
    variant: requestLabels.variant,
    referenceVariant: requestLabels.referenceVariant,
    backend: requestLabels.backend,
    cacheStatus: requestLabels.cacheStatus,
    batchSize,
    queueSeconds,
    durationSeconds,
    promptTokens,
    completionTokens,
  });

  return {
    time: Date.now(),
    tenant: requestLabels.tenant,
    model: requestLabels.model,
    variant: requestLabels.variant,
    backend: requestLabels.backend,
    route: parts.route,
    status: parts.status,
    streamed: parts.streamed,
    cacheStatus: requestLabels.cacheStatus,
    batchSize,
    queueSeconds,
    firstTokenSeconds: observation.firstChunkAt === null ? null : Math.max(0, (observation.firstChunkAt - startedAt) / 1000),
    durationSeconds,
    promptTokens,
    completionTokens,
    usageReported: observation.usage !== null,
    cost,
  };
}

function bodyKind(contentType: string | null): BodyKind {
  if (contentType?.startsWith('text/event-stream') === true) return 'event-stream';
  if (contentType?.startsWith('application/json') === true) return 'json';
  return 'other';
}

/** Reads a non-negative number header multiplied by `scale`; null when absent or invalid. */
function readNumberHeader(headers: Headers, name: string, scale: number): number | null {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number * scale : null;
}

function validateOptions<E extends Env>(options: MetricsOptions<E>): MetricsOptions<E> {
  if (typeof options?.store?.recordRequest !== 'function') throw new TypeError('metrics: options.store must be a MetricsStore.');
  if (typeof options.costModel?.price !== 'function') throw new TypeError('metrics: options.costModel must be a CostModel.');
  if (typeof options.logger?.error !== 'function') throw new TypeError('metrics: options.logger must be a Logger.');
  if (typeof options.labels !== 'function') throw new TypeError('metrics: options.labels must be a function returning the request labels.');
  if (options.onMeasured !== undefined && typeof options.onMeasured !== 'function') throw new TypeError('metrics: options.onMeasured must be a function.');
  return options;
}
