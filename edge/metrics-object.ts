/**
 * Workers metrics store: one Durable Object instance (named `global`) aggregates the records of
 * every Worker isolate in a {@link MetricsWindowStore}, and saves changed minute buckets to its
 * storage on an alarm, at most every {@link SAVE_INTERVAL_MS}, so a restarted object resumes with
 * the last 24 hours.
 */

import { DurableObject } from 'cloudflare:workers';

import type { MetricsStore } from '../src/metrics/metrics-store.js';
import { renderPrometheus } from '../src/metrics/prometheus.js';
import type { QualityRecord, RequestRecord } from '../src/metrics/request-record.js';
import type { SeriesAggregate } from '../src/metrics/series-aggregate.js';
import { MetricsWindowStore, MINUTE_MS, type MinuteSlot } from '../src/metrics/window-store.js';
import { summarizeWindow, type WindowSummary } from '../src/metrics/window-summary.js';

const SLOT_PREFIX = 'slot:';
const TOTALS_KEY = 'totals';

/** Delay between a change and its save, in ms; a crash loses at most this much data. */
const SAVE_INTERVAL_MS = 10_000;

/** The Durable Object that stores gateway metrics; reached through {@link DurableObjectMetricsStore}. */
export class MetricsObject extends DurableObject {
  readonly #store = new MetricsWindowStore();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => this.#restore());
  }

  async recordRequest(record: RequestRecord): Promise<void> {
    this.#store.recordRequest(record);
    await this.#scheduleSave();
  }

  async recordQuality(record: QualityRecord): Promise<void> {
    this.#store.recordQuality(record);
    await this.#scheduleSave();
  }

  async summarize(window: { name: string; minutes: number }): Promise<WindowSummary> {
    return summarizeWindow(this.#store, window, Date.now());
  }

  async prometheus(): Promise<string> {
    return renderPrometheus(this.#store.totals());
  }

  override async alarm(): Promise<void> {
    const changed = this.#store.takeChangedSlots();
    const entries: Record<string, unknown> = { [TOTALS_KEY]: this.#store.state().totals };
    for (const slot of changed) entries[`${SLOT_PREFIX}${slot.minute}`] = slot;
    await this.ctx.storage.put(entries);

    // Buckets older than the retention period are no longer in the ring; delete their keys.
    const oldestMinute = Math.floor(Date.now() / MINUTE_MS) - this.#store.retentionMinutes + 1;
    const stored = await this.ctx.storage.list({ prefix: SLOT_PREFIX });
    const expired = [...stored.keys()].filter((key) => Number(key.slice(SLOT_PREFIX.length)) < oldestMinute);
    for (let start = 0; start < expired.length; start += 128) await this.ctx.storage.delete(expired.slice(start, start + 128));
  }

  async #scheduleSave(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SAVE_INTERVAL_MS);
  }

  async #restore(): Promise<void> {
    const slots = await this.ctx.storage.list<MinuteSlot>({ prefix: SLOT_PREFIX });
    const totals = (await this.ctx.storage.get<Record<string, SeriesAggregate>>(TOTALS_KEY)) ?? {};
    this.#store.load({ version: 1, slots: [...slots.values()], totals });
  }
}

/**
 * The {@link MetricsStore} of the Worker, calling the `global` instance of {@link MetricsObject}.
 *
 * TODO: one instance receives a call per request of every isolate, which caps throughput at what a
 * single Durable Object handles (an estimated thousand calls per second). Beyond that, shard by
 * time or use Analytics Engine.
 *
 * @example
 * const store = new DurableObjectMetricsStore(env.METRICS);
 */
export class DurableObjectMetricsStore implements MetricsStore {
  readonly #namespace: DurableObjectNamespace<MetricsObject>;

  constructor(namespace: DurableObjectNamespace<MetricsObject>) {
    this.#namespace = namespace;
  }

  recordRequest(record: RequestRecord): Promise<void> {
    return this.#stub().recordRequest(record);
  }

  recordQuality(record: QualityRecord): Promise<void> {
    return this.#stub().recordQuality(record);
  }

  summarize(window: { name: string; minutes: number }): Promise<WindowSummary> {
    return this.#stub().summarize(window) as Promise<WindowSummary>;
  }

  prometheus(): Promise<string> {
    return this.#stub().prometheus();
  }

  #stub() {
    return this.#namespace.get(this.#namespace.idFromName('global'));
  }
}
