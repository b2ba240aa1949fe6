/**
 * Request metrics, the metrics Durable Object, the dashboard routes and the variant split inside
 * workerd. The gateway is built in the test with a fake backend `fetch`, so each test controls
 * when the backend's stream writes.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { DurableObjectMetricsStore } from '../../edge/metrics-object.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { FetchFunction } from '../../src/gateway/forward.js';
import { silentLogger } from '../../src/log/logger.js';
import type { WindowSummary } from '../../src/metrics/window-summary.js';

const ADMIN_TOKEN = 'workerd-metrics-admin-token';
const encoder = new TextEncoder();

function event(data: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

function chunk(text: string) {
  return { id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ text, index: 0, logprobs: null, finish_reason: null }] };
}

function gateway(fetchBackend: FetchFunction, backends = [{ name: 'fake', baseURL: 'http://backend.test/v1', models: ['stream-model', 'json-model'] }], policy?: Record<string, unknown>) {
  return createGateway({
    backends,
    logger: silentLogger,
    fetch: fetchBackend,
    // The key admin routes under /admin check the same token before /admin/metrics runs.
    tenancy: { adminToken: ADMIN_TOKEN },
    observability: {
      store: new DurableObjectMetricsStore(env.METRICS),
      adminToken: ADMIN_TOKEN,
      prices: { edgeRequestUsd: 0.000001, backendHourlyUsd: { fake: 3.6, a: 3.6, b: 1.8 } },
      seed: 7,
      ...(policy === undefined ? {} : { policies: new Map(Object.entries(policy)) as never }),
    },
  });
}

async function summary(app: ReturnType<typeof gateway>): Promise<WindowSummary> {
  const response = await app.request('/admin/metrics?window=5m', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as WindowSummary;
}

describe('metrics in workerd', () => {
  it('measures a stream without buffering it', async () => {
    const backendStream = new TransformStream<Uint8Array, Uint8Array>();
    const writer = backendStream.writable.getWriter();
    const app = gateway(async () => new Response(backendStream.readable, { headers: { 'content-type': 'text/event-stream' } }));

    const context = createExecutionContext();
    const response = await app.fetch(
      new Request('http://gateway.test/v1/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stream-model', prompt: 'Once', stream: true, stream_options: { include_usage: true } }),
      }),
      env,
      context,
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();

    await writer.write(event(chunk('Once')));
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"Once"');

    // The client keeps reading while the backend writes, as a real one does: the gateway buffers
    // little, so writes wait for reads.
    const drained = (async () => {
      while (!(await reader.read()).done);
    })();
    await writer.write(event(chunk(' upon')));
    await writer.write(event({ ...chunk(''), choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    await writer.write(event('[DONE]'));
    await writer.close();
    await drained;
    await waitOnExecutionContext(context);

    const recorded = (await summary(app)).variants.find((variant) => variant.model === 'stream-model');
    expect(recorded?.requests).toBe(1);
    expect(recorded?.promptTokens).toBe(3);
    expect(recorded?.completionTokens).toBe(2);
    expect(recorded?.firstTokenP50Seconds).not.toBeNull();
  });

  it('exports Prometheus text from the Durable Object', async () => {
    const app = gateway(async () => Response.json({ id: 'c', object: 'text_completion', created: 1, model: 'json-model', choices: [{ text: 'Hi', index: 0, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } }));

    const context = createExecutionContext();
    const response = await app.fetch(
      new Request('http://gateway.test/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'json-model', prompt: 'Hi' }) }),
      env,
      context,
    );
    await response.text();
    await waitOnExecutionContext(context);

    const metrics = await app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await metrics.text();
    expect(metrics.status).toBe(200);
    expect(text).toMatch(/slimgate_prompt_tokens_total\{tenant="anonymous",model="json-model",variant="default",backend="fake",route="\/v1\/completions"\} 2/);
    expect(text).toContain('slimgate_request_duration_seconds_count{');
  });

  it('signs in to the dashboard with a cookie', async () => {
    const app = gateway(async () => new Response(null, { status: 500 }));

    const login = await app.request('/dashboard/login', { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(login.status).toBe(303);
    expect(cookie).toMatch(/^slimgate_admin=\d+\.[0-9a-f]{64}$/);

    const page = await app.request('/dashboard', { headers: { cookie } });
    expect(await page.text()).toContain('data-chart="latency"');
    const data = await app.request('/dashboard/data?window=15m', { headers: { cookie } });
    expect(data.status).toBe(200);
    expect(((await data.json()) as WindowSummary).window.minutes).toBe(15);

    const forged = await app.request('/dashboard/data', { headers: { cookie: `slimgate_admin=9999999999.${'0'.repeat(64)}` } });
    expect(forged.status).toBe(401);
  });

  it('splits traffic and replays variants', async () => {
    const served: string[] = [];
    const app = gateway(
      async (url) => {
        served.push(new URL(url).hostname);
        return Response.json({ id: 'c', object: 'text_completion', created: 1, model: 'split', choices: [{ text: 'The cat sat', index: 0, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } });
      },
      [
        { name: 'a', baseURL: 'http://a.test/v1', models: ['split'], variant: 'fp16' } as never,
        { name: 'b', baseURL: 'http://b.test/v1', models: ['split'], variant: 'q4' } as never,
      ],
      { split: { reference: 'fp16', replayFraction: 1, latencyObjectiveSeconds: 5, qualityFloor: 0.5 } },
    );

    for (let index = 0; index < 12; index++) {
      const context = createExecutionContext();
      const response = await app.fetch(
        new Request('http://gateway.test/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'split', prompt: 'Cat', temperature: 0 }) }),
        env,
        context,
      );
      await response.text();
      await waitOnExecutionContext(context);
    }

    const variants = (await summary(app)).variants.filter((variant) => variant.model === 'split');
    const q4 = variants.find((variant) => variant.variant === 'q4');
    expect(variants.reduce((sum, variant) => sum + variant.requests, 0)).toBe(12);
    expect(q4?.requests).toBeGreaterThan(0);
    expect(q4?.quality.replayCount).toBe(q4?.requests);
    expect(q4?.quality.replayMean).toBe(1);
    expect(served).toContain('a.test');
  });

  it('keeps metrics routes closed in the Worker without ADMIN_TOKEN', async () => {
    const response = await exports.default.fetch('http://gateway.test/metrics');

    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('admin_api_disabled');
  });
});
