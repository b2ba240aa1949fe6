import { describe, expect, it } from 'vitest';

import { emptyLedger, reserve, RESERVATION_TTL_MS, settle, type ReservationRequest } from './usage-ledger.js';

const T0 = 1_700_000_000_000;

function request(overrides: Partial<ReservationRequest> = {}): ReservationRequest {
  return { reservationId: crypto.randomUUID(), tokens: 10, costUsd: 0, limits: {}, nowMs: T0, ...overrides };
}

describe('usage ledger', () => {
  it('allows rpm requests then rejects with Retry-After', () => {
    const state = emptyLedger();
    const limits = { rpm: 3 };

    for (let index = 0; index < 3; index += 1) expect(reserve(state, request({ limits })).ok).toBe(true);
    expect(reserve(state, request({ limits }))).toEqual({ ok: false, limit: 'requests', retryAfterSeconds: 20 });
  });

  it('refills requests over a minute', () => {
    const state = emptyLedger();
    const limits = { rpm: 2 };
    reserve(state, request({ limits }));
    reserve(state, request({ limits }));

    expect(reserve(state, request({ limits, nowMs: T0 + 29_000 })).ok).toBe(false);
    expect(reserve(state, request({ limits, nowMs: T0 + 30_000 })).ok).toBe(true);
  });

  it('rejects tokens over tpm', () => {
    const state = emptyLedger();
    const limits = { tpm: 100 };

    expect(reserve(state, request({ limits, tokens: 60 })).ok).toBe(true);
    expect(reserve(state, request({ limits, tokens: 60 }))).toEqual({ ok: false, limit: 'tokens', retryAfterSeconds: 12 });
  });

  it('returns unused tokens on settle', () => {
    const state = emptyLedger();
    const limits = { tpm: 100 };
    const first = request({ limits, tokens: 80 });
    reserve(state, first);

    expect(reserve(state, request({ limits, tokens: 50 })).ok).toBe(false);
    expect(settle(state, { reservationId: first.reservationId, tokens: 20, costUsd: 0, limits, nowMs: T0 })).toBe(true);
    expect(reserve(state, request({ limits, tokens: 50 })).ok).toBe(true);
  });

  it('lets a request above tpm start on a full bucket', () => {
    const state = emptyLedger();
    const limits = { tpm: 100 };

    expect(reserve(state, request({ limits, tokens: 500 })).ok).toBe(true);
    expect(reserve(state, request({ limits, tokens: 1 })).ok).toBe(false);
  });

  it('stops hard at the budget', () => {
    const state = emptyLedger();
    const limits = { budgetUsd: 1 };
    const first = request({ limits, costUsd: 0.6 });

    expect(reserve(state, first).ok).toBe(true);
    expect(reserve(state, request({ limits, costUsd: 0.6 }))).toEqual({ ok: false, limit: 'budget', retryAfterSeconds: null });

    settle(state, { reservationId: first.reservationId, tokens: 10, costUsd: 0.3, limits, nowMs: T0 });
    expect(state.spentUsd).toBeCloseTo(0.3);
    expect(reserve(state, request({ limits, costUsd: 0.6 })).ok).toBe(true);
    expect(reserve(state, request({ limits, costUsd: 0.2 })).ok).toBe(false);
  });

  it('ignores a second settle', () => {
    const state = emptyLedger();
    const first = request({ costUsd: 0.5 });
    reserve(state, first);

    expect(settle(state, { reservationId: first.reservationId, tokens: 1, costUsd: 0.5, limits: {}, nowMs: T0 })).toBe(true);
    expect(settle(state, { reservationId: first.reservationId, tokens: 1, costUsd: 0.5, limits: {}, nowMs: T0 })).toBe(false);
    expect(state.spentUsd).toBe(0.5);
  });

  it('settles expired reservations at their estimate', () => {
    const state = emptyLedger();
    reserve(state, request({ costUsd: 0.25 }));

    reserve(state, request({ nowMs: T0 + RESERVATION_TTL_MS }));
    expect(state.spentUsd).toBe(0.25);
    expect(Object.keys(state.reservations)).toHaveLength(1);
  });

  it('leaves state unchanged on rejection', () => {
    const state = emptyLedger();
    const limits = { rpm: 10, tpm: 5 };
    reserve(state, request({ limits, tokens: 5 }));
    const before = structuredClone(state);

    expect(reserve(state, request({ limits, tokens: 5 })).ok).toBe(false);
    expect(state).toEqual(before);
  });
});
