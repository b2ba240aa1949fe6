/**
 * Accounting for one API key: a requests-per-minute and a tokens-per-minute token bucket, and a
 * dollar budget with reservations. It is plain data plus pure steps, so the Node store keeps one
 * per key in memory and the Workers Durable Object persists the same state.
 *
 * A request reserves its estimated tokens and cost before it is forwarded. Settling replaces the
 * estimate with the real usage: unused tokens go back to the bucket, and the real cost is spent.
 */

import type { KeyLimits } from './types.js';

const MS_PER_MINUTE = 60_000;

/** A reservation not settled within this time is settled at its estimate, in ms. */
export const RESERVATION_TTL_MS = 15 * MS_PER_MINUTE;

/** Outstanding reservations per key; a request beyond it is rejected like a rate limit. */
export const MAX_OPEN_RESERVATIONS = 10_000;

interface Bucket {
  /** Units available now; negative after usage above the estimate. */
  level: number;
  /** Time of `level`, in ms since the epoch. */
  updatedMs: number;
}

interface OpenReservation {
  tokens: number;
  costUsd: number;
  createdMs: number;
}

export interface LedgerState {
  requests: Bucket | null;
  tokens: Bucket | null;
  spentUsd: number;
  reservedUsd: number;
  reservations: Record<string, OpenReservation>;
}

export interface ReservationRequest {
  /** Unique id of this request's reservation. */
  reservationId: string;
  /** Estimated tokens: prompt estimate plus the completion limit. */
  tokens: number;
  /** Estimated cost in US dollars. */
  costUsd: number;
  limits: KeyLimits;
  nowMs: number;
}

export type LimitKind = 'requests' | 'tokens' | 'budget';

export type ReserveResult =
  | { ok: true }
  /** `retryAfterSeconds` is null when waiting does not help (budget exhausted). */
  | { ok: false; limit: LimitKind; retryAfterSeconds: number | null };

export interface Settlement {
  reservationId: string;
  /** Real tokens used (prompt plus completion). */
  tokens: number;
  /** Real cost in US dollars. */
  costUsd: number;
  limits: KeyLimits;
  nowMs: number;
}

export function emptyLedger(): LedgerState {
  return { requests: null, tokens: null, spentUsd: 0, reservedUsd: 0, reservations: {} };
}

/**
 * Reserves capacity for one request in `state` (mutated), or reports the first limit that
 * rejects it; a rejected request changes nothing but expired reservations.
 */
export function reserve(state: LedgerState, request: ReservationRequest): ReserveResult {
  const { limits, nowMs } = request;
  expireReservations(state, limits, nowMs);

  if (limits.budgetUsd !== undefined && state.spentUsd + state.reservedUsd + request.costUsd > limits.budgetUsd) {
    return { ok: false, limit: 'budget', retryAfterSeconds: null };
  }
  if (Object.keys(state.reservations).length >= MAX_OPEN_RESERVATIONS) {
    return { ok: false, limit: 'requests', retryAfterSeconds: 1 };
  }

  const requests = limits.rpm === undefined ? null : refill(state.requests, limits.rpm, nowMs);
  if (requests !== null && limits.rpm !== undefined && requests.level < 1) {
    return { ok: false, limit: 'requests', retryAfterSeconds: secondsUntil(requests.level, 1, limits.rpm) };
  }

  const tokens = limits.tpm === undefined ? null : refill(state.tokens, limits.tpm, nowMs);
  // A request larger than the whole per-minute limit may start when the bucket is full, and then
  // takes the bucket below zero, so it still waits its turn instead of never running.
  const tokensNeeded = limits.tpm === undefined ? 0 : Math.min(request.tokens, limits.tpm);
  if (tokens !== null && limits.tpm !== undefined && tokens.level < tokensNeeded) {
    return { ok: false, limit: 'tokens', retryAfterSeconds: secondsUntil(tokens.level, tokensNeeded, limits.tpm) };
  }

  if (requests !== null) state.requests = { level: requests.level - 1, updatedMs: nowMs };
  if (tokens !== null) state.tokens = { level: tokens.level - request.tokens, updatedMs: nowMs };
  state.reservedUsd += request.costUsd;
  state.reservations[request.reservationId] = { tokens: request.tokens, costUsd: request.costUsd, createdMs: nowMs };
  return { ok: true };
}

/**
 * Replaces a reservation's estimate with the real usage. Returns false when the reservation is
 * unknown (already settled, or expired and settled at its estimate).
 */
export function settle(state: LedgerState, settlement: Settlement): boolean {
  const reservation = state.reservations[settlement.reservationId];
  if (reservation === undefined) return false;
  delete state.reservations[settlement.reservationId];

  state.reservedUsd = Math.max(0, state.reservedUsd - reservation.costUsd);
  state.spentUsd += settlement.costUsd;

  const { tpm } = settlement.limits;
  if (tpm !== undefined && state.tokens !== null) {
    const current = refill(state.tokens, tpm, settlement.nowMs);
    state.tokens = { level: Math.min(tpm, current.level + reservation.tokens - settlement.tokens), updatedMs: settlement.nowMs };
  }
  return true;
}

function expireReservations(state: LedgerState, limits: KeyLimits, nowMs: number): void {
  for (const [id, reservation] of Object.entries(state.reservations)) {
    if (nowMs - reservation.createdMs < RESERVATION_TTL_MS) continue;
    settle(state, { reservationId: id, tokens: reservation.tokens, costUsd: reservation.costUsd, limits, nowMs });
  }
}

/** Returns the bucket at `nowMs`. A missing bucket starts full, and `perMinute` units return each minute. */
function refill(bucket: Bucket | null, perMinute: number, nowMs: number): Bucket {
  if (bucket === null) return { level: perMinute, updatedMs: nowMs };
  const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
  return { level: Math.min(perMinute, bucket.level + (elapsedMs * perMinute) / MS_PER_MINUTE), updatedMs: nowMs };
}

function secondsUntil(level: number, needed: number, perMinute: number): number {
  return Math.max(1, Math.ceil(((needed - level) * MS_PER_MINUTE) / perMinute / 1000));
}
