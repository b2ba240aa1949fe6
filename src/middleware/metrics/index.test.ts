import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { CostModel } from '../../cost/cost-model.js';
import { silentLogger } from '../../log/logger.js';
import { LocalMetricsStore } from '../../metrics/metrics-store.js';
import type { RequestRecord } from '../../metrics/request-record.js';
import { metrics, type RequestLabels } from './index.js';

const LABELS: RequestLabels = { tenant: 't', model: 'm', variant: 'v', referenceVariant: 'v', backend: 'b', cacheStatus: 'miss', batchSize: null };

function app(handler: () => Response, onRecord: (record: RequestRecord) => void): Hono {
  const store = new LocalMetricsStore();
  const original = store.recordRequest.bind(store);
  store.recordRequest = async (record) => {
    await original(record);
    onRecord(record);
  };

  const hono = new Hono();
  hono.use(metrics({ store, costModel: new CostModel({ edgeRequestUsd: 0.5, backendHourlyUsd: {} }), logger: silentLogger, labels: () => LABELS }));
  hono.post('/v1/completions', () => handler());
  return hono;
}

function nextRecord(): { promise: Promise<RequestRecord>; resolve: (record: RequestRecord) => void } {
  let resolve!: (record: RequestRecord) => void;
  return { promise: new Promise<RequestRecord>((done) => (resolve = done)), resolve };
}

describe('metrics middleware', () => {
  it('records a JSON response with its usage', async () => {
    const recorded = nextRecord();
    const hono = app(() => Response.json({ choices: [{ text: 'Hi' }], usage: { prompt_tokens: 3, completion_tokens: 1 } }), recorded.resolve);

    const response = await hono.request('/v1/completions', { method: 'POST' });
    expect(await response.json()).toMatchObject({ usage: { prompt_tokens: 3 } });

    const record = await recorded.promise;
    expect(record).toMatchObject({ model: 'm', route: '/v1/completions', status: 200, promptTokens: 3, completionTokens: 1, streamed: false, usageReported: true });
    expect(record.cost.spentUsd).toBe(0.5);
  });

  it('records a stream once its body ends', async () => {
    const recorded = nextRecord();
    const events = 'data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[{"text":"b"}]}\n\ndata: [DONE]\n\n';
    const hono = app(() => new Response(events, { headers: { 'content-type': 'text/event-stream' } }), recorded.resolve);

    const response = await hono.request('/v1/completions', { method: 'POST' });
    expect(await response.text()).toBe(events);

    const record = await recorded.promise;
    expect(record).toMatchObject({ streamed: true, completionTokens: 2, usageReported: false });
    expect(record.firstTokenSeconds).not.toBeNull();
  });

  it('records error responses', async () => {
    const recorded = nextRecord();
    const hono = app(() => Response.json({ error: { message: 'down' } }, { status: 503 }), recorded.resolve);

    await (await hono.request('/v1/completions', { method: 'POST' })).text();

    expect((await recorded.promise).status).toBe(503);
  });

  it('rejects invalid options', () => {
    expect(() => metrics({ store: undefined as never, costModel: new CostModel({ edgeRequestUsd: 0, backendHourlyUsd: {} }), logger: silentLogger, labels: () => LABELS })).toThrow(/options.store/);
    expect(() => metrics({ store: new LocalMetricsStore(), costModel: new CostModel({ edgeRequestUsd: 0, backendHourlyUsd: {} }), logger: silentLogger, labels: 'm' as never })).toThrow(/options.labels/);
  });
});
