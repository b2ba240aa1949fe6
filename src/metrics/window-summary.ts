/**
 * JSON summary of a time window of the metrics store, the format of `GET /admin/metrics` that
 * the dashboard draws and the recipe re-selection reads.
 */

import { BATCH_SIZE_BUCKETS, PROMPT_TOKENS_BUCKETS, quantile, SECONDS_BUCKETS } from './histogram.js';
import { emptyAggregate, mergeAggregate, type SeriesAggregate } from './series-aggregate.js';
import { MINUTE_MS, type MetricsWindowStore, type MinuteSlot } from './window-store.js';

/** Window lengths the admin API accepts, in minutes. */
export const WINDOWS: Readonly<Record<string, number>> = { '5m': 5, '15m': 15, '1h': 60, '6h': 360, '24h': 1440 };

/** Maximum points per chart line; longer windows merge minutes into wider steps. */
const MAX_POINTS = 120;

/** Scalar statistics of an aggregate; rates are null when their denominator is zero. */
export interface AggregateStats {
  requests: number;
  errors: number;
  latencyP50Seconds: number | null;
  latencyP95Seconds: number | null;
  firstTokenP50Seconds: number | null;
  firstTokenP95Seconds: number | null;
  queueP95Seconds: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Prompt plus completion tokens per second of window. */
  tokensPerSecond: number;
  /** (hit + semantic-hit) / (hit + semantic-hit + miss); bypassed requests are not lookups. */
  cacheHitRate: number | null;
  meanBatchSize: number | null;
  spentUsd: number;
  /** Spend per million prompt and completion tokens. */
  usdPerMillionTokens: number | null;
  baselineUsd: number;
  savings: { cacheUsd: number; batchingUsd: number; compressionUsd: number };
}

export interface SeriesPoint extends AggregateStats {
  /** Start of the step, in milliseconds since the Unix epoch. */
  time: number;
}

export interface QualitySummary {
  replayMean: number | null;
  replayCount: number;
  feedbackMean: number | null;
  feedbackCount: number;
}

export interface VariantSummary extends AggregateStats {
  model: string;
  variant: string;
  quality: QualitySummary;
  points: SeriesPoint[];
}

export interface WindowSummary {
  window: { name: string; minutes: number; stepMinutes: number; from: number; to: number };
  totals: AggregateStats;
  /** One entry per model and variant, routes and tenants merged. */
  variants: VariantSummary[];
  routes: ({ route: string } & AggregateStats)[];
  tenants: { tenant: string; requests: number; promptTokens: number; completionTokens: number; spentUsd: number }[];
  /** Request totals per step, all series merged. */
  points: SeriesPoint[];
  batchSizes: { bounds: readonly number[]; counts: number[] };
  promptLengths: { bounds: readonly number[]; counts: number[] };
}

/** Parses a window name such as `1h`; throws a RangeError naming the accepted values. */
export function parseWindow(name: string | undefined): { name: string; minutes: number } {
  const chosen = name ?? '1h';
  const minutes = WINDOWS[chosen];
  if (minutes === undefined) throw new RangeError(`window must be one of ${Object.keys(WINDOWS).join(', ')}, got ${JSON.stringify(chosen)}.`);
  return { name: chosen, minutes };
}

/** Summarizes the last `window.minutes` minutes up to and including the minute of `now`. */
export function summarizeWindow(store: MetricsWindowStore, window: { name: string; minutes: number }, now: number): WindowSummary {
  const toMinute = Math.floor(now / MINUTE_MS);
  const fromMinute = toMinute - window.minutes + 1;
  const stepMinutes = Math.max(1, Math.ceil(window.minutes / MAX_POINTS));
  const slots = store.slots(fromMinute, toMinute);

  const all = emptyAggregate(labelsOf('*', '*', '*'));
  const byVariant = new Map<string, { aggregate: SeriesAggregate; steps: Map<number, SeriesAggregate> }>();
  const byRoute = new Map<string, SeriesAggregate>();
  const byTenant = new Map<string, SeriesAggregate>();
  const totalSteps = new Map<number, SeriesAggregate>();

  for (const slot of slots) {
    const step = fromMinute + Math.floor((slot.minute - fromMinute) / stepMinutes) * stepMinutes;
    for (const series of Object.values(slot.series)) {
      const { model, variant, route, tenant } = series.labels;
      mergeAggregate(all, series);
      mergeAggregate(entry(byRoute, route, () => emptyAggregate(labelsOf('*', '*', route))), series);
      mergeAggregate(entry(byTenant, tenant, () => emptyAggregate({ ...labelsOf('*', '*', '*'), tenant })), series);
      mergeAggregate(entry(totalSteps, step, () => emptyAggregate(labelsOf('*', '*', '*'))), series);

      const perVariant = entry(byVariant, `${model}\u0000${variant}`, () => ({
        aggregate: emptyAggregate(labelsOf(model, variant, '*')),
        steps: new Map<number, SeriesAggregate>(),
      }));
      mergeAggregate(perVariant.aggregate, series);
      mergeAggregate(entry(perVariant.steps, step, () => emptyAggregate(labelsOf(model, variant, '*'))), series);
    }
  }

  const windowSeconds = window.minutes * 60;
  const stepSeconds = stepMinutes * 60;
  const toPoints = (steps: Map<number, SeriesAggregate>): SeriesPoint[] =>
    [...steps.entries()].sort(([a], [b]) => a - b).map(([minute, aggregate]) => ({ time: minute * MINUTE_MS, ...statsOf(aggregate, stepSeconds) }));

  const quality = summarizeQuality(slots);
  return {
    window: { name: window.name, minutes: window.minutes, stepMinutes, from: fromMinute * MINUTE_MS, to: (toMinute + 1) * MINUTE_MS },
    totals: statsOf(all, windowSeconds),
    variants: [...byVariant.values()].map(({ aggregate, steps }) => ({
      model: aggregate.labels.model,
      variant: aggregate.labels.variant,
      ...statsOf(aggregate, windowSeconds),
      quality: quality.get(`${aggregate.labels.model}\u0000${aggregate.labels.variant}`) ?? emptyQuality(),
      points: toPoints(steps),
    })),
    routes: [...byRoute.values()].map((aggregate) => ({ route: aggregate.labels.route, ...statsOf(aggregate, windowSeconds) })),
    tenants: [...byTenant.values()].map((aggregate) => ({
      tenant: aggregate.labels.tenant,
      requests: aggregate.requests,
      promptTokens: aggregate.promptTokens,
      completionTokens: aggregate.completionTokens,
      spentUsd: aggregate.spentUsd,
    })),
    points: toPoints(totalSteps),
    batchSizes: { bounds: BATCH_SIZE_BUCKETS, counts: all.batchSize.counts },
    promptLengths: { bounds: PROMPT_TOKENS_BUCKETS, counts: all.promptLength.counts },
  };
}

export function statsOf(aggregate: SeriesAggregate, seconds: number): AggregateStats {
  const tokens = aggregate.promptTokens + aggregate.completionTokens;
  const hits = aggregate.cache.hit + aggregate.cache['semantic-hit'];
  const lookups = hits + aggregate.cache.miss;
  return {
    requests: aggregate.requests,
    errors: aggregate.errors,
    latencyP50Seconds: quantile(aggregate.duration, SECONDS_BUCKETS, 0.5),
    latencyP95Seconds: quantile(aggregate.duration, SECONDS_BUCKETS, 0.95),
    firstTokenP50Seconds: quantile(aggregate.firstToken, SECONDS_BUCKETS, 0.5),
    firstTokenP95Seconds: quantile(aggregate.firstToken, SECONDS_BUCKETS, 0.95),
    queueP95Seconds: quantile(aggregate.queue, SECONDS_BUCKETS, 0.95),
    promptTokens: aggregate.promptTokens,
    completionTokens: aggregate.completionTokens,
    tokensPerSecond: tokens / seconds,
    cacheHitRate: lookups === 0 ? null : hits / lookups,
    meanBatchSize: aggregate.batchSize.count === 0 ? null : aggregate.batchSize.sum / aggregate.batchSize.count,
    spentUsd: aggregate.spentUsd,
    usdPerMillionTokens: tokens === 0 ? null : (aggregate.spentUsd / tokens) * 1e6,
    baselineUsd: aggregate.baselineUsd,
    savings: { cacheUsd: aggregate.savedByCacheUsd, batchingUsd: aggregate.savedByBatchingUsd, compressionUsd: aggregate.savedByCompressionUsd },
  };
}

function summarizeQuality(slots: readonly MinuteSlot[]): Map<string, QualitySummary> {
  const sums = new Map<string, { replaySum: number; replayCount: number; feedbackSum: number; feedbackCount: number }>();
  for (const slot of slots) {
    for (const [key, quality] of Object.entries(slot.quality)) {
      const sum = entry(sums, key, () => ({ replaySum: 0, replayCount: 0, feedbackSum: 0, feedbackCount: 0 }));
      sum.replaySum += quality.replaySum;
      sum.replayCount += quality.replayCount;
      sum.feedbackSum += quality.feedbackSum;
      sum.feedbackCount += quality.feedbackCount;
    }
  }

  const summaries = new Map<string, QualitySummary>();
  for (const [key, sum] of sums) {
    summaries.set(key, {
      replayMean: sum.replayCount === 0 ? null : sum.replaySum / sum.replayCount,
      replayCount: sum.replayCount,
      feedbackMean: sum.feedbackCount === 0 ? null : sum.feedbackSum / sum.feedbackCount,
      feedbackCount: sum.feedbackCount,
    });
  }
  return summaries;
}

function emptyQuality(): QualitySummary {
  return { replayMean: null, replayCount: 0, feedbackMean: null, feedbackCount: 0 };
}

function labelsOf(model: string, variant: string, route: string) {
  return { tenant: '*', model, variant, backend: '*', route };
}

function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
