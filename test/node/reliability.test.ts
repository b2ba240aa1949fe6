/**
 * The reliability run of bench/reliability at CI scale: 300 requests from 16 clients through the
 * Node gateway to three stories260K backend processes, one slowed by a proxy and one killed after
 * 30 % of the requests. Every response must be its own correct greedy completion or a clean
 * OpenAI-shaped error, and the gateway's memory must stay bounded.
 */

import { describe, expect, it } from 'vitest';

import { runReliability } from '../../bench/reliability/harness.js';

describe('reliability under backend failure', () => {
  it('answers every request correctly or cleanly', async () => {
    const result = await runReliability({
      requests: 300,
      concurrency: 16,
      distinctPrompts: 100,
      killAt: 0.3,
      slowDelayMs: 40,
      timeLimitMs: 120_000,
      log: () => {},
    });

    expect(result.problems).toEqual([]);
    expect(result.sent).toBe(300);
    expect(result.killedBackendSignal).toBe('SIGKILL');
    expect(result.outcomes.wrong).toBe(0);
    expect(result.outcomes.unclean).toBe(0);
    expect(result.outcomes.correct + result.outcomes['clean-error']).toBe(300);
    // Two backends stay up, so failover should leave few errors.
    expect(result.outcomes.correct).toBeGreaterThanOrEqual(270);
    // NOTE: a loose bound on growth during the run, in MiB; the benchmark records the real figures.
    expect(result.gatewayRssMiB.max - result.gatewayRssMiB.first).toBeLessThan(200);
  }, 240_000);
});
