import { describe, expect, it } from 'vitest';

import { parseBackends } from '../gateway/backend.js';
import type { FetchFunction } from '../gateway/forward.js';
import { silentLogger } from '../log/logger.js';
import { ApiError } from '../openai/errors.js';
import { BackendPool } from './backend-pool.js';
import { routeRequest, type RetryPolicy } from './route-request.js';

const BACKENDS = parseBackends([
  { name: 'a', baseURL: 'http://a.test/v1', models: ['m'] },
  { name: 'b', baseURL: 'http://b.test/v1', models: ['m'] },
]);

const POLICY: RetryPolicy = { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 1_000 }, totalTimeoutMs: 60_000 };

type Behaviour = 'ok' | 'refused' | 500 | 503 | 400 | 'hang';

function fakeFetch(behaviours: Record<string, Behaviour[]>) {
  const calls: string[] = [];
  const fetch: FetchFunction = async (url, init) => {
    const host = new URL(url).hostname.split('.')[0] as string;
    calls.push(host);
    const behaviour = behaviours[host]?.shift() ?? 'ok';
    if (behaviour === 'refused') throw new TypeError('fetch failed: connect ECONNREFUSED');
    if (behaviour === 'hang') {
      return new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }
    if (behaviour === 'ok') return new Response(JSON.stringify({ served: host }), { status: 200, headers: { 'content-type': 'application/json' } });
    return new Response(JSON.stringify({ error: { message: 'failed', type: 'server_error' } }), { status: behaviour, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

function setup(behaviours: Record<string, Behaviour[]>, policy = POLICY) {
  const clock = { ms: 0 };
  const pool = new BackendPool(BACKENDS, { failureThreshold: 2, coolDownMs: 5_000, now: () => clock.ms });
  const { fetch, calls } = fakeFetch(behaviours);
  const sleeps: number[] = [];
  const route = () =>
    routeRequest({
      pool,
      policy,
      endpoint: 'completions',
      body: { model: 'm', prompt: 'hi' },
      requestId: 'r1',
      firstByteTimeoutMs: 50,
      fetch,
      logger: silentLogger,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
  return { pool, calls, sleeps, clock, route };
}

async function servedBy(result: Awaited<ReturnType<ReturnType<typeof setup>['route']>>): Promise<string> {
  return ((await new Response(result.response.body).json()) as { served: string }).served;
}

describe('routeRequest', () => {
  it('spreads requests over backends', async () => {
    const { route, calls } = setup({});
    await route();
    await route();

    expect(calls).toEqual(['a', 'b']);
  });

  it('fails over on connection errors', async () => {
    const { route, calls, sleeps } = setup({ a: ['refused'] });
    const result = await route();

    expect(calls).toEqual(['a', 'b']);
    expect(result.attempts).toBe(2);
    expect(result.backend.name).toBe('b');
    expect(await servedBy(result)).toBe('b');
    expect(sleeps).toEqual([50]);
  });

  it('retries 5xx with growing backoff', async () => {
    const { route, calls, sleeps } = setup({ a: [500], b: [503] });
    const result = await route();

    expect(calls).toEqual(['a', 'b', 'a']);
    expect(result.attempts).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('passes a 4xx through without retry', async () => {
    const { route, calls } = setup({ a: [400] });

    await expect(route()).rejects.toMatchObject({ status: 400 });
    expect(calls).toEqual(['a']);
  });

  it('throws the last error after all attempts', async () => {
    const { route, calls } = setup({ a: [500, 500], b: [500] });

    await expect(route()).rejects.toMatchObject({ status: 502, code: 'backend_error' });
    expect(calls).toHaveLength(3);
  });

  it('retries a timeout only elsewhere', async () => {
    const { route, calls } = setup({ a: ['hang'], b: ['hang'] });

    const error = await route().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 504, code: 'backend_timeout' });
    expect(calls).toEqual(['a', 'b']);
  });

  it('skips an open circuit and fails fast', async () => {
    const { route, calls, pool, clock } = setup({ a: ['refused', 'refused'], b: ['refused', 'refused'] }, { ...POLICY, maxAttempts: 4 });
    await expect(route()).rejects.toMatchObject({ status: 502 });
    expect(pool.status().map((status) => status.circuit)).toEqual(['open', 'open']);

    calls.length = 0;
    const error = (await route().catch((thrown: unknown) => thrown)) as ApiError;
    expect(calls).toEqual([]);
    expect(error).toMatchObject({ status: 503, code: 'backend_unavailable' });
    expect(error.headers['retry-after']).toBe('5');

    clock.ms = 5_000;
    const result = await route();
    expect(result.attempts).toBe(1);
    expect(pool.status().filter((status) => status.circuit === 'closed')).toHaveLength(1);
  });

  it('stops at the total timeout', async () => {
    const pool = new BackendPool(BACKENDS, { failureThreshold: 5, coolDownMs: 5_000 });
    const { fetch } = fakeFetch({ a: ['hang'], b: ['hang'] });
    const promise = routeRequest({
      pool,
      policy: { ...POLICY, totalTimeoutMs: 20 },
      endpoint: 'completions',
      body: { model: 'm', prompt: 'hi' },
      requestId: 'r1',
      firstByteTimeoutMs: 10_000,
      fetch,
      logger: silentLogger,
    });

    await expect(promise).rejects.toMatchObject({ status: 504, code: 'request_timeout' });
  });

  it('rejects an unknown model', async () => {
    const { pool } = setup({});
    const { fetch } = fakeFetch({});
    const promise = routeRequest({ pool, policy: POLICY, endpoint: 'completions', body: { model: 'x' }, requestId: 'r', firstByteTimeoutMs: 10, fetch, logger: silentLogger });

    await expect(promise).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});
