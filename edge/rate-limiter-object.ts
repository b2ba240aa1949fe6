/**
 * Workers usage store: one Durable Object per API key stores that key's rate buckets, open
 * reservations and spend. A Durable Object handles one call at a time and storage writes hold
 * back the next event until they finish, so concurrent requests from every Worker instance see
 * one consistent count.
 */

import { DurableObject } from 'cloudflare:workers';

import {
  emptyLedger,
  reserve,
  settle,
  type LedgerState,
  type ReservationRequest,
  type ReserveResult,
  type Settlement,
} from '../src/tenancy/usage-ledger.js';
import type { UsageStore } from '../src/tenancy/usage-store.js';

const LEDGER_KEY = 'ledger';

/** The Durable Object that accounts one key's usage; reached through {@link DurableObjectUsageStore}. */
export class RateLimiterObject extends DurableObject {
  #ledger: LedgerState = emptyLedger();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#ledger = (await ctx.storage.get<LedgerState>(LEDGER_KEY)) ?? emptyLedger();
    });
  }

  async reserve(request: ReservationRequest): Promise<ReserveResult> {
    const result = reserve(this.#ledger, request);
    if (result.ok) await this.ctx.storage.put(LEDGER_KEY, this.#ledger);
    return result;
  }

  async settle(settlement: Settlement): Promise<number> {
    if (settle(this.#ledger, settlement)) await this.ctx.storage.put(LEDGER_KEY, this.#ledger);
    return this.#ledger.spentUsd;
  }

  async spent(): Promise<number> {
    return this.#ledger.spentUsd;
  }
}

/**
 * The {@link UsageStore} of the Worker: one {@link RateLimiterObject} per key id.
 *
 * @example
 * const usageStore = new DurableObjectUsageStore(env.RATE_LIMITERS);
 */
export class DurableObjectUsageStore implements UsageStore {
  readonly #namespace: DurableObjectNamespace<RateLimiterObject>;

  constructor(namespace: DurableObjectNamespace<RateLimiterObject>) {
    this.#namespace = namespace;
  }

  async reserve(keyId: string, request: ReservationRequest): Promise<ReserveResult> {
    return this.#stub(keyId).reserve(request);
  }

  async settle(keyId: string, settlement: Settlement): Promise<number> {
    return this.#stub(keyId).settle(settlement);
  }

  async spent(keyId: string): Promise<number> {
    return this.#stub(keyId).spent();
  }

  #stub(keyId: string): DurableObjectStub<RateLimiterObject> {
    return this.#namespace.get(this.#namespace.idFromName(keyId));
  }
}
