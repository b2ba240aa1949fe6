/**
 * Metrics, cost, variant split and feedback through the Node entry (edge/node.ts) over real HTTP
 * on loopback, in front of a two-variant backend test double.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';
import { startVariantBackend, type VariantBackend } from '../browser/variant-backend.js';

import { adminMetricsClient } from './admin-metrics.js';

const ADMIN_TOKEN = 'metrics-test-admin-token';
const STORY = 'Once upon a time a small fox found a red kite in the tall grass';

let backend: VariantBackend;
let gateway: RunningGateway;
const admin = adminMetricsClient(() => gateway.url, ADMIN_TOKEN);

beforeAll(async () => {
  backend = await startVariantBackend({
    fp32: { text: STORY, delayMs: 20 },
    int4: { text: STORY, delayMs: 2 },
  });
  gateway = await startNodeGateway({
    variables: {
      BACKENDS: JSON.stringify([
        { name: 'gpu-fp32', baseURL: backend.baseURL('fp32'), models: ['story'], variant: 'fp32' },
        { name: 'gpu-int4', baseURL: backend.baseURL('int4'), models: ['story'], variant: 'int4' },
      ]),
      ADMIN_TOKEN,
      COST_MODEL: JSON.stringify({ edgeRequestUsd: 0.0000003, backendHourlyUsd: { 'gpu-fp32': 4, 'gpu-int4': 4 } }),
      VARIANT_POLICY: JSON.stringify({ story: { reference: 'fp32', latencyObjectiveSeconds: 2, qualityFloor: 0.5, replayFraction: 1 } }),
    },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('gateway metrics in Node', () => {
  it('records JSON and streamed requests', async () => {
    for (let index = 0; index < 6; index++) {
      const response = await post('/v1/completions', { model: 'story', prompt: 'Tell me a story', max_tokens: 8, temperature: 0 });
      expect(response.status).toBe(200);
      await response.json();
    }
    const streamed = await post('/v1/chat/completions', {
      model: 'story',
      messages: [{ role: 'user', content: 'A story please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(await streamed.text()).toContain('[DONE]');

    const summary = await admin.summaryWhen((s) => s.totals.requests >= 7);

    expect(summary.totals.requests).toBe(7);
    expect(summary.totals.completionTokens).toBe(6 * 8 + STORY.split(' ').length);
    expect(summary.totals.spentUsd).toBeGreaterThan(0);
    expect(summary.routes.map((route) => route.route).sort()).toEqual(['/v1/chat/completions', '/v1/completions']);
    expect(summary.variants.every((variant) => variant.model === 'story')).toBe(true);
    expect(summary.tenants).toEqual([expect.objectContaining({ tenant: 'anonymous', requests: 7 })]);
    const chat = summary.routes.find((route) => route.route === '/v1/chat/completions');
    expect(chat?.firstTokenP50Seconds).not.toBeNull();
  });

  it('exports Prometheus text', async () => {
    const response = await admin.get('/metrics');
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(text).toContain('# TYPE slimgate_request_duration_seconds histogram');
    expect(text).toMatch(/slimgate_request_duration_seconds_bucket\{tenant="anonymous",model="story",variant="(fp32|int4)",backend="gpu-(fp32|int4)",route="\/v1\/completions",le="\+Inf"\} \d+/);
    expect(text).toMatch(/slimgate_savings_usd_total\{.*cause="batching"\} /);
  });

  it('rejects metrics without the admin token', async () => {
    const response = await fetch(`${gateway.url}/metrics`);

    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_token');
  });

  it('rejects an unknown window', async () => {
    const response = await admin.get('/admin/metrics?window=3d');

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('window');
  });

  it('splits traffic and replays on the reference', async () => {
    for (let index = 0; index < 20; index++) {
      const response = await post('/v1/completions', { model: 'story', prompt: `Story number ${index}`, max_tokens: 6, temperature: 0 });
      await response.json();
    }

    const summary = await admin.summaryWhen((s) => (s.variants.find((v) => v.variant === 'int4')?.quality.replayCount ?? 0) > 0);
    const int4 = summary.variants.find((variant) => variant.variant === 'int4');

    expect(int4?.requests).toBeGreaterThan(0);
    expect(int4?.quality.replayMean).toBe(1);
    expect(backend.received.get('fp32')).toBeGreaterThan(0);
  });

  it('accepts feedback for a served request', async () => {
    const response = await post('/v1/completions', { model: 'story', prompt: 'Feedback please', max_tokens: 4 });
    const requestId = response.headers.get('x-request-id') as string;
    await response.json();
    await admin.summaryWhen(() => true);

    let feedback: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      feedback = await post('/v1/feedback', { request_id: requestId, score: 0.25 });
      if (feedback.status !== 404) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(feedback?.status).toBe(202);
    expect(await feedback?.json()).toMatchObject({ object: 'feedback', request_id: requestId, model: 'story', score: 0.25 });
    const summary = await admin.summaryWhen((s) => s.variants.some((v) => v.quality.feedbackCount > 0));
    expect(summary.variants.find((v) => v.quality.feedbackCount > 0)?.quality.feedbackMean).toBe(0.25);
  });

  it('rejects feedback for an unknown request', async () => {
    const response = await post('/v1/feedback', { request_id: 'never-served', score: 1 });

    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_not_found');
  });
});
