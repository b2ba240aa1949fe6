/**
 * In-memory metrics store: one-minute buckets in a ring that covers the retention period
 * (24 hours by default), plus lifetime totals for Prometheus counters. Memory is bounded by
 * `retentionMinutes × maxSeries` aggregates; label sets beyond `maxSeries` in a bucket are
 * counted under the label value `__other__`.
 */

import { emptyAggregate, addRequest, seriesKey, type SeriesAggregate, type SeriesLabels } from './series-aggregate.js';
import type { QualityRecord, RequestRecord } from './request-record.js';

export const MINUTE_MS = 60_000;

export const DEFAULT_RETENTION_MINUTES = 24 * 60;

export const DEFAULT_MAX_SERIES = 200;

export const OVERFLOW_LABEL = '__other__';

/** Sum and count of quality scores of one variant, by source. */
export interface QualityAggregate {
  model: string;
  variant: string;
  replaySum: number;
  replayCount: number;
  feedbackSum: number;
  feedbackCount: number;
}

export interface MinuteSlot {
  /** Minutes since the Unix epoch at the start of the bucket. */
  minute: number;
  series: Record<string, SeriesAggregate>;
  quality: Record<string, QualityAggregate>;
}

/** Everything the store holds, as JSON; `load` accepts what `state` returns. */
export interface MetricsState {
  version: 1;
  slots: MinuteSlot[];
  totals: Record<string, SeriesAggregate>;
}

export interface WindowStoreOptions {
  retentionMinutes?: number;
  maxSeries?: number;
}

export class MetricsWindowStore {
  readonly retentionMinutes: number;
  readonly maxSeries: number;
  /** Indexed by `minute % retentionMinutes`; a slot whose minute is older than that is stale. */
  readonly #ring: (MinuteSlot | undefined)[];
  #totals = new Map<string, SeriesAggregate>();
  #dirtyMinutes = new Set<number>();

  constructor(options: WindowStoreOptions = {}) {
    this.retentionMinutes = requirePositiveInteger(options.retentionMinutes ?? DEFAULT_RETENTION_MINUTES, 'retentionMinutes');
    this.maxSeries = requirePositiveInteger(options.maxSeries ?? DEFAULT_MAX_SERIES, 'maxSeries');
    this.#ring = new Array<MinuteSlot | undefined>(this.retentionMinutes);
  }

  recordRequest(record: RequestRecord): void {
    const labels: SeriesLabels = {
      tenant: record.tenant,
      model: record.model,
      variant: record.variant,
      backend: record.backend,
      route: record.route,
    };

    const slot = this.#slotFor(record.time);
    addRequest(boundedEntry(slot.series, labels, this.maxSeries), record);

    const totalKey = this.#boundedKey(labels);
    let total = this.#totals.get(totalKey.key);
    if (total === undefined) {
      total = emptyAggregate(totalKey.labels);
      this.#totals.set(totalKey.key, total);
    }
    addRequest(total, record);
  }

  recordQuality(record: QualityRecord): void {
    const slot = this.#slotFor(record.time);
    const key = `${record.model}\u0000${record.variant}`;
    let quality = slot.quality[key];
    if (quality === undefined) {
      if (Object.keys(slot.quality).length >= this.maxSeries) return;
      quality = { model: record.model, variant: record.variant, replaySum: 0, replayCount: 0, feedbackSum: 0, feedbackCount: 0 };
      slot.quality[key] = quality;
    }
    if (record.source === 'replay') {
      quality.replaySum += record.score;
      quality.replayCount += 1;
    } else {
      quality.feedbackSum += record.score;
      quality.feedbackCount += 1;
    }
  }

  /** Buckets from `fromMinute` to `toMinute` inclusive that hold data, oldest first. */
  slots(fromMinute: number, toMinute: number): MinuteSlot[] {
    const oldest = toMinute - this.retentionMinutes + 1;
    const result: MinuteSlot[] = [];
    for (const slot of this.#ring) {
      if (slot !== undefined && slot.minute >= Math.max(fromMinute, oldest) && slot.minute <= toMinute) result.push(slot);
    }
    return result.sort((a, b) => a.minute - b.minute);
  }

  /** Lifetime aggregates per label set, for counters that must never decrease. */
  totals(): SeriesAggregate[] {
    return [...this.#totals.values()];
  }

  state(): MetricsState {
    return {
      version: 1,
      slots: this.#ring.filter((slot): slot is MinuteSlot => slot !== undefined),
      totals: Object.fromEntries(this.#totals),
    };
  }

  /**
   * Returns the buckets changed since the last call and clears their changed flags, so a
   * persistence layer writes only those.
   */
  takeChangedSlots(): MinuteSlot[] {
    const changed = [...this.#dirtyMinutes]
      .map((minute) => this.#ring[minute % this.retentionMinutes])
      .filter((slot): slot is MinuteSlot => slot !== undefined && this.#dirtyMinutes.has(slot.minute));
    this.#dirtyMinutes.clear();
    return changed;
  }

  /** Replaces the contents with a saved state; buckets outside the ring's period are dropped. */
  load(state: MetricsState): void {
    if (state.version !== 1) throw new Error(`Unsupported metrics state version ${String(state.version)}; expected 1.`);
    this.#ring.fill(undefined);
    for (const slot of state.slots) this.#putSlot(slot);
    this.#totals = new Map(Object.entries(state.totals).slice(0, this.maxSeries));
    this.#dirtyMinutes.clear();
  }

  /** Puts one saved bucket back unless a newer bucket already occupies its place in the ring. */
  #putSlot(slot: MinuteSlot): void {
    const index = slot.minute % this.retentionMinutes;
    const current = this.#ring[index];
    if (current === undefined || current.minute < slot.minute) this.#ring[index] = slot;
  }

  #slotFor(time: number): MinuteSlot {
    const minute = Math.floor(time / MINUTE_MS);
    const index = minute % this.retentionMinutes;
    let slot = this.#ring[index];
    if (slot === undefined || slot.minute !== minute) {
      slot = { minute, series: {}, quality: {} };
      this.#ring[index] = slot;
    }
    this.#dirtyMinutes.add(minute);
    return slot;
  }

  #boundedKey(labels: SeriesLabels): { key: string; labels: SeriesLabels } {
    const key = seriesKey(labels);
    if (this.#totals.has(key) || this.#totals.size < this.maxSeries - 1) return { key, labels };
    const other = overflowLabels();
    return { key: seriesKey(other), labels: other };
  }
}

/** Returns the aggregate for `labels` in `series`, or the overflow aggregate once the map is full. */
function boundedEntry(series: Record<string, SeriesAggregate>, labels: SeriesLabels, maxSeries: number): SeriesAggregate {
  let key = seriesKey(labels);
  if (series[key] === undefined && Object.keys(series).length >= maxSeries - 1) {
    labels = overflowLabels();
    key = seriesKey(labels);
  }

  let aggregate = series[key];
  if (aggregate === undefined) {
    aggregate = emptyAggregate(labels);
    series[key] = aggregate;
  }
  return aggregate;
}

function overflowLabels(): SeriesLabels {
  return { tenant: OVERFLOW_LABEL, model: OVERFLOW_LABEL, variant: OVERFLOW_LABEL, backend: OVERFLOW_LABEL, route: OVERFLOW_LABEL };
}

function requirePositiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`MetricsWindowStore: options.${name} must be a positive integer, got ${String(value)}.`);
  return value;
}
