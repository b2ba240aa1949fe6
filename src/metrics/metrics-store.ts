/**
 * Metrics stores, which receive request records and return summaries. Node keeps the data in the
 * process ({@link LocalMetricsStore}); workerd sends it to a Durable Object
 * (edge/metrics-object.ts), because isolates are short-lived and many.
 */

import { renderPrometheus } from './prometheus.js';
import type { QualityRecord, RequestRecord } from './request-record.js';
import { summarizeWindow, type WindowSummary } from './window-summary.js';
import { MetricsWindowStore, type WindowStoreOptions } from './window-store.js';

export interface MetricsStore {
  recordRequest(record: RequestRecord): Promise<void>;
  recordQuality(record: QualityRecord): Promise<void>;
  summarize(window: { name: string; minutes: number }): Promise<WindowSummary>;
  /** Lifetime totals in the Prometheus text format. */
  prometheus(): Promise<string>;
}

export interface LocalMetricsStoreOptions extends WindowStoreOptions {
  /** Milliseconds since the Unix epoch; replaceable in tests. */
  now?: () => number;
}

/** Metrics kept in this process; `windows` is the underlying store, for persistence. */
export class LocalMetricsStore implements MetricsStore {
  readonly windows: MetricsWindowStore;
  readonly #now: () => number;

  constructor(options: LocalMetricsStoreOptions = {}) {
    this.windows = new MetricsWindowStore(options);
    this.#now = options.now ?? Date.now;
  }

  async recordRequest(record: RequestRecord): Promise<void> {
    this.windows.recordRequest(record);
  }

  async recordQuality(record: QualityRecord): Promise<void> {
    this.windows.recordQuality(record);
  }

  async summarize(window: { name: string; minutes: number }): Promise<WindowSummary> {
    return summarizeWindow(this.windows, window, this.#now());
  }

  async prometheus(): Promise<string> {
    return renderPrometheus(this.windows.totals());
  }
}
