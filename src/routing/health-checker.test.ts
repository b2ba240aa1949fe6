import { describe, expect, it } from 'vitest';

import { parseBackends } from '../gateway/backend.js';
import type { FetchFunction } from '../gateway/forward.js';
import { silentLogger } from '../log/logger.js';
import { BackendPool } from './backend-pool.js';
import { HealthChecker } from './health-checker.js';

const BACKENDS = parseBackends([
  { name: 'a', baseURL: 'http://a.test/v1', models: ['m'] },
  { name: 'b', baseURL: 'http://b.test/v1', models: ['m'] },
]);

describe('health checker', () => {
  it('takes failing backends out of rotation', async () => {
    const pool = new BackendPool(BACKENDS, { failureThreshold: 3, coolDownMs: 1_000 });
    const requested: string[] = [];
    let aUp = false;
    const fetch: FetchFunction = async (url) => {
      requested.push(url);
      if (url.startsWith('http://a.test') && !aUp) throw new TypeError('fetch failed');
      return new Response('{"object":"list","data":[]}', { status: 200 });
    };
    const checker = new HealthChecker({ pool, intervalMs: 1_000, timeoutMs: 100, fetch, logger: silentLogger });

    await checker.checkAll();
    expect(requested.sort()).toEqual(['http://a.test/v1/models', 'http://b.test/v1/models']);
    expect(pool.status()).toEqual([
      { name: 'a', circuit: 'closed', healthy: false },
      { name: 'b', circuit: 'closed', healthy: true },
    ]);
    expect(pool.candidates('m').map((backend) => backend.name)).toEqual(['b', 'a']);

    aUp = true;
    await checker.checkAll();
    expect(pool.status().every((status) => status.healthy)).toBe(true);
  });

  it('closes an open circuit on a passing check', async () => {
    const pool = new BackendPool(BACKENDS, { failureThreshold: 1, coolDownMs: 60_000 });
    pool.breaker('a').recordFailure();
    expect(pool.candidates('m').map((backend) => backend.name)).toEqual(['b']);

    const checker = new HealthChecker({ pool, intervalMs: 1_000, timeoutMs: 100, fetch: async () => new Response('{}'), logger: silentLogger });
    await checker.checkAll();
    expect(pool.breaker('a').state).toBe('closed');
  });
});
