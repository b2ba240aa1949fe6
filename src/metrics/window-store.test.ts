import { describe, expect, it } from 'vitest';

import type { RequestRecord } from './request-record.js';
import { MetricsWindowStore, MINUTE_MS, OVERFLOW_LABEL } from './window-store.js';
import { parseWindow, summarizeWindow } from './window-summary.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: START,
    tenant: 'acme',
    model: 'story',
    variant: 'q4',
    backend: 'gpu',
    route: '/v1/completions',
    status: 200,
    streamed: false,
    cacheStatus: 'miss',
    batchSize: 2,
    queueSeconds: null,
    firstTokenSeconds: 0.05,
    durationSeconds: 0.2,
    promptTokens: 10,
    completionTokens: 20,
    usageReported: true,
    cost: { spentUsd: 0.001, baselineUsd: 0.003, savedByCacheUsd: 0, savedByBatchingUsd: 0.001, savedByCompressionUsd: 0.001 },
    ...overrides,
  };
}

describe('MetricsWindowStore', () => {
  it('summarizes a window per variant and per step', () => {
    const store = new MetricsWindowStore();
    store.recordRequest(record());
    store.recordRequest(record({ time: START + MINUTE_MS, durationSeconds: 3, cacheStatus: 'hit' }));
    store.recordRequest(record({ variant: 'fp16', durationSeconds: 0.4 }));

    const summary = summarizeWindow(store, parseWindow('5m'), START + MINUTE_MS);

    expect(summary.totals.requests).toBe(3);
    expect(summary.totals.cacheHitRate).toBeCloseTo(1 / 3);
    expect(summary.totals.usdPerMillionTokens).toBeCloseTo((0.003 / 90) * 1e6);
    expect(summary.totals.meanBatchSize).toBe(2);
    const q4 = summary.variants.find((variant) => variant.variant === 'q4');
    expect(q4?.points.map((point) => point.requests)).toEqual([1, 1]);
    expect(q4?.latencyP95Seconds).toBeGreaterThan(2.5);
    expect(summary.tenants).toEqual([{ tenant: 'acme', requests: 3, promptTokens: 30, completionTokens: 60, spentUsd: expect.closeTo(0.003) }]);
  });

  it('drops buckets older than the retention period', () => {
    const store = new MetricsWindowStore({ retentionMinutes: 10 });
    store.recordRequest(record());
    store.recordRequest(record({ time: START + 12 * MINUTE_MS }));

    const summary = summarizeWindow(store, parseWindow('24h'), START + 12 * MINUTE_MS);

    expect(summary.totals.requests).toBe(1);
    expect(store.totals()[0]?.requests).toBe(2);
  });

  it('reuses a ring slot for a later minute', () => {
    const store = new MetricsWindowStore({ retentionMinutes: 10 });
    store.recordRequest(record());
    store.recordRequest(record({ time: START + 10 * MINUTE_MS }));

    expect(store.slots(0, START / MINUTE_MS + 10).map((slot) => slot.minute)).toEqual([START / MINUTE_MS + 10]);
  });

  it('bounds the label sets', () => {
    const store = new MetricsWindowStore({ maxSeries: 3 });
    for (let index = 0; index < 10; index++) store.recordRequest(record({ tenant: `tenant-${index}` }));

    const tenants = store.totals().map((aggregate) => aggregate.labels.tenant);
    expect(tenants).toHaveLength(3);
    expect(tenants).toContain(OVERFLOW_LABEL);
    expect(store.totals().reduce((sum, aggregate) => sum + aggregate.requests, 0)).toBe(10);
  });

  it('round-trips its state through JSON', () => {
    const store = new MetricsWindowStore();
    store.recordRequest(record());
    store.recordQuality({ time: START, model: 'story', variant: 'q4', source: 'replay', score: 0.5 });

    const restored = new MetricsWindowStore();
    restored.load(JSON.parse(JSON.stringify(store.state())));

    expect(summarizeWindow(restored, parseWindow('1h'), START)).toEqual(summarizeWindow(store, parseWindow('1h'), START));
  });

  it('reports changed buckets once', () => {
    const store = new MetricsWindowStore();
    store.recordRequest(record());

    expect(store.takeChangedSlots()).toHaveLength(1);
    expect(store.takeChangedSlots()).toHaveLength(0);
  });

  it('rejects an unknown window name', () => {
    expect(() => parseWindow('2d')).toThrow(/window must be one of 5m, 15m, 1h, 6h, 24h/);
  });
});
