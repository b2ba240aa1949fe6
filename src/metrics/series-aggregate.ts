/**
 * The aggregate of many request records that share one label set, for one time bucket or for
 * the whole process lifetime. Plain JSON data, so it persists to a file or a Durable Object.
 */

import {
  BATCH_SIZE_BUCKETS,
  emptyHistogram,
  mergeHistogram,
  observe,
  PROMPT_TOKENS_BUCKETS,
  SECONDS_BUCKETS,
  type HistogramData,
} from './histogram.js';
import type { CacheStatus, RequestRecord } from './request-record.js';

/** Labels of a series; each value set is one Prometheus time series. */
export interface SeriesLabels {
  tenant: string;
  model: string;
  variant: string;
  backend: string;
  route: string;
}

export const LABEL_NAMES: readonly (keyof SeriesLabels)[] = ['tenant', 'model', 'variant', 'backend', 'route'];

export interface SeriesAggregate {
  labels: SeriesLabels;
  requests: number;
  /** Responses with status 500 or above. */
  errors: number;
  /** Total latency in seconds. */
  duration: HistogramData;
  firstToken: HistogramData;
  queue: HistogramData;
  batchSize: HistogramData;
  promptLength: HistogramData;
  promptTokens: number;
  completionTokens: number;
  cache: Record<CacheStatus, number>;
  spentUsd: number;
  baselineUsd: number;
  savedByCacheUsd: number;
  savedByBatchingUsd: number;
  savedByCompressionUsd: number;
}

export function emptyAggregate(labels: SeriesLabels): SeriesAggregate {
  return {
    labels,
    requests: 0,
    errors: 0,
    duration: emptyHistogram(SECONDS_BUCKETS),
    firstToken: emptyHistogram(SECONDS_BUCKETS),
    queue: emptyHistogram(SECONDS_BUCKETS),
    batchSize: emptyHistogram(BATCH_SIZE_BUCKETS),
    promptLength: emptyHistogram(PROMPT_TOKENS_BUCKETS),
    promptTokens: 0,
    completionTokens: 0,
    cache: { hit: 0, 'semantic-hit': 0, miss: 0, bypass: 0, unknown: 0 },
    spentUsd: 0,
    baselineUsd: 0,
    savedByCacheUsd: 0,
    savedByBatchingUsd: 0,
    savedByCompressionUsd: 0,
  };
}

export function addRequest(aggregate: SeriesAggregate, record: RequestRecord): void {
  aggregate.requests += 1;
  if (record.status >= 500) aggregate.errors += 1;

  observe(aggregate.duration, SECONDS_BUCKETS, record.durationSeconds);
  if (record.firstTokenSeconds !== null) observe(aggregate.firstToken, SECONDS_BUCKETS, record.firstTokenSeconds);
  if (record.queueSeconds !== null) observe(aggregate.queue, SECONDS_BUCKETS, record.queueSeconds);
  if (record.batchSize !== null) observe(aggregate.batchSize, BATCH_SIZE_BUCKETS, record.batchSize);
  if (record.status < 400) observe(aggregate.promptLength, PROMPT_TOKENS_BUCKETS, record.promptTokens);

  aggregate.promptTokens += record.promptTokens;
  aggregate.completionTokens += record.completionTokens;
  aggregate.cache[record.cacheStatus] += 1;

  aggregate.spentUsd += record.cost.spentUsd;
  aggregate.baselineUsd += record.cost.baselineUsd;
  aggregate.savedByCacheUsd += record.cost.savedByCacheUsd;
  aggregate.savedByBatchingUsd += record.cost.savedByBatchingUsd;
  aggregate.savedByCompressionUsd += record.cost.savedByCompressionUsd;
}

/** Adds `source` into `target`, keeping the labels of `target`. */
export function mergeAggregate(target: SeriesAggregate, source: SeriesAggregate): void {
  target.requests += source.requests;
  target.errors += source.errors;
  mergeHistogram(target.duration, source.duration);
  mergeHistogram(target.firstToken, source.firstToken);
  mergeHistogram(target.queue, source.queue);
  mergeHistogram(target.batchSize, source.batchSize);
  mergeHistogram(target.promptLength, source.promptLength);
  target.promptTokens += source.promptTokens;
  target.completionTokens += source.completionTokens;
  for (const status of Object.keys(target.cache) as CacheStatus[]) target.cache[status] += source.cache[status];
  target.spentUsd += source.spentUsd;
  target.baselineUsd += source.baselineUsd;
  target.savedByCacheUsd += source.savedByCacheUsd;
  target.savedByBatchingUsd += source.savedByBatchingUsd;
  target.savedByCompressionUsd += source.savedByCompressionUsd;
}

export function seriesKey(labels: SeriesLabels): string {
  return LABEL_NAMES.map((name) => labels[name]).join('\u0000');
}
