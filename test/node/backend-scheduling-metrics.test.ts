/**
 * Queue time and batch size from the real backend (stories260K on the CPU) through the Node
 * gateway into its metrics: the backend sends them as response headers, the gateway forwards
 * them, and the metrics middleware records them.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRealBackend, STORIES_MODEL_ID, type RealBackend } from '../e2e/real-backend.js';

import { adminMetricsClient } from './admin-metrics.js';

const ADMIN_TOKEN = 'scheduling-metrics-admin-token';

let backend: RealBackend;
let gateway: RunningGateway;
const admin = adminMetricsClient(() => gateway.url, ADMIN_TOKEN);

beforeAll(async () => {
  backend = await startRealBackend();
  gateway = await startNodeGateway({
    variables: {
      BACKENDS: JSON.stringify([{ name: 'stories-cpu', baseURL: backend.baseURL, models: [STORIES_MODEL_ID] }]),
      ADMIN_TOKEN,
    },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

function post(body: unknown): Promise<Response> {
  return fetch(`${gateway.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('backend scheduling metrics', () => {
  it('records queue time and batch size', async () => {
    const json = await post({ model: STORIES_MODEL_ID, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
    expect(json.status).toBe(200);
    expect(Number(json.headers.get('slimgate-queue-time-ms'))).toBeGreaterThanOrEqual(0);
    expect(Number(json.headers.get('slimgate-batch-size'))).toBeGreaterThanOrEqual(1);
    await json.json();

    const streamed = await post({ model: STORIES_MODEL_ID, prompt: 'The cat sat', max_tokens: 8, temperature: 0, stream: true });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(streamed.headers.get('slimgate-queue-time-ms')).not.toBeNull();
    expect(Number(streamed.headers.get('slimgate-batch-size'))).toBeGreaterThanOrEqual(1);
    expect(await streamed.text()).toContain('[DONE]');

    const summary = await admin.summaryWhen((s) => s.totals.requests >= 2);
    expect(summary.totals.requests).toBe(2);
    expect(summary.totals.queueP95Seconds).not.toBeNull();
    expect(summary.totals.meanBatchSize).toBeGreaterThanOrEqual(1);
    expect(summary.batchSizes.counts.reduce((sum, count) => sum + count, 0)).toBe(2);
  });

  it('exposes both histograms at /metrics', async () => {
    const text = await (await admin.get('/metrics')).text();

    const series = `tenant="anonymous",model="${STORIES_MODEL_ID}",variant="default",backend="stories-cpu",route="/v1/completions"`;
    expect(text).toContain(`slimgate_queue_time_seconds_count{${series}} 2`);
    expect(text).toContain(`slimgate_batch_size_count{${series}} 2`);
    const batchSum = /slimgate_batch_size_sum\{[^}]*\} (\S+)/.exec(text)?.[1];
    expect(Number(batchSum)).toBeGreaterThanOrEqual(2);
  });
});
