/**
 * The usage store interface shared by the Node in-process store and the Workers Durable Object,
 * and the in-process implementation.
 */

import {
  emptyLedger,
  reserve,
  settle,
  type LedgerState,
  type ReservationRequest,
  type ReserveResult,
  type Settlement,
} from './usage-ledger.js';
import { DEFAULT_MAX_KEYS } from './memory-key-store.js';

/**
 * Rate and budget accounting per API key. Each call on one key must be applied atomically with
 * respect to other calls on that key: the Node store runs each step synchronously in one event
 * loop turn, and the Durable Object processes one call at a time.
 */
export interface UsageStore {
  reserve(keyId: string, request: ReservationRequest): Promise<ReserveResult>;
  /** Settles a reservation; resolves to the key's total spend in US dollars afterwards. */
  settle(keyId: string, settlement: Settlement): Promise<number>;
  /** Total settled spend of the key, in US dollars. */
  spent(keyId: string): Promise<number>;
}

/**
 * Creates the in-process {@link UsageStore}. It keeps one ledger per key that has made a request,
 * for at most `maxKeys` keys (default 10,000, the key store's default). A ledger is never evicted,
 * because that would reset the key's spend.
 *
 * @example
 * const usage = new MemoryUsageStore();
 * const result = await usage.reserve(key.id, { reservationId, tokens: 80, costUsd: 0.0001, limits: key.limits, nowMs: Date.now() });
 */
export class MemoryUsageStore implements UsageStore {
  readonly #ledgers = new Map<string, LedgerState>();
  readonly #maxKeys: number;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  async reserve(keyId: string, request: ReservationRequest): Promise<ReserveResult> {
    return reserve(this.#ledger(keyId), request);
  }

  async settle(keyId: string, settlement: Settlement): Promise<number> {
    const ledger = this.#ledger(keyId);
    settle(ledger, settlement);
    return ledger.spentUsd;
  }

  async spent(keyId: string): Promise<number> {
    return this.#ledgers.get(keyId)?.spentUsd ?? 0;
  }

  #ledger(keyId: string): LedgerState {
    let ledger = this.#ledgers.get(keyId);
    if (ledger === undefined) {
      if (this.#ledgers.size >= this.#maxKeys) {
        throw new Error(`MemoryUsageStore has reached its maximum of ${this.#maxKeys} key ledgers. Raise maxKeys together with the key store's limit.`);
      }
      ledger = emptyLedger();
      this.#ledgers.set(keyId, ledger);
    }
    return ledger;
  }
}
