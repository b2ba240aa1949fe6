import { describe, expect, it } from 'vitest';

import { CircuitBreaker } from './circuit-breaker.js';

function breakerWithClock() {
  const clock = { ms: 0 };
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1_000, now: () => clock.ms });
  return { clock, breaker };
}

describe('circuit breaker', () => {
  it('opens after consecutive failures', () => {
    const { breaker } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');

    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('resets the count on success', () => {
    const { breaker } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();

    expect(breaker.state).toBe('closed');
  });

  it('allows one probe after the cool-down', () => {
    const { clock, breaker } = breakerWithClock();
    for (let index = 0; index < 3; index += 1) breaker.recordFailure();

    clock.ms = 999;
    expect(breaker.remainingCoolDownMs).toBe(1);
    expect(breaker.tryAcquire()).toBe(false);

    clock.ms = 1_000;
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('closes after a successful probe', () => {
    const { clock, breaker } = breakerWithClock();
    for (let index = 0; index < 3; index += 1) breaker.recordFailure();
    clock.ms = 1_000;
    breaker.tryAcquire();

    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('reopens after a failed probe', () => {
    const { clock, breaker } = breakerWithClock();
    for (let index = 0; index < 3; index += 1) breaker.recordFailure();
    clock.ms = 1_000;
    breaker.tryAcquire();

    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    clock.ms = 1_999;
    expect(breaker.state).toBe('open');
    clock.ms = 2_000;
    expect(breaker.state).toBe('half-open');
  });

  it('rejects invalid options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, coolDownMs: 1 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ failureThreshold: 1, coolDownMs: -1 })).toThrow(/coolDownMs/);
  });
});
