/**
 * In-process key store for the Node gateway and tests. `onChange` lets file-key-store.ts persist
 * every change.
 */

import { KeyStoreFullError, type ApiKeyRecord, type KeyStore } from './types.js';

export const DEFAULT_MAX_KEYS = 10_000;

export interface MemoryKeyStoreOptions {
  /** Records to start with, for example read from a file. */
  records?: readonly ApiKeyRecord[];
  /** Maximum number of keys, revoked ones included; inserting beyond it fails. Default 10,000. */
  maxKeys?: number;
  /** Called after every insert or revocation with all records. */
  onChange?: (records: readonly ApiKeyRecord[]) => Promise<void>;
}

/**
 * Creates an in-memory {@link KeyStore}, bounded by `maxKeys`.
 *
 * @example
 * const keys = new MemoryKeyStore({ maxKeys: 1000 });
 * await keys.insert(record);
 */
export class MemoryKeyStore implements KeyStore {
  readonly #byId = new Map<string, ApiKeyRecord>();
  readonly #idByHash = new Map<string, string>();
  readonly #maxKeys: number;
  readonly #onChange: ((records: readonly ApiKeyRecord[]) => Promise<void>) | undefined;

  constructor(options: MemoryKeyStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys <= 0) {
      throw new TypeError(`MemoryKeyStore: options.maxKeys must be a positive integer, got ${String(options.maxKeys)}.`);
    }
    this.#onChange = options.onChange;
    for (const record of options.records ?? []) this.#add(record);
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    this.#add(record);
    await this.#onChange?.(this.#all());
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const id = this.#idByHash.get(hash);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#byId.get(id);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.#all();
  }

  async revoke(id: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    const record = this.#byId.get(id);
    if (record === undefined) return undefined;
    if (record.revokedAt !== null) return record;

    const revoked = { ...record, revokedAt };
    this.#byId.set(id, revoked);
    await this.#onChange?.(this.#all());
    return revoked;
  }

  #add(record: ApiKeyRecord): void {
    if (this.#byId.size >= this.#maxKeys) throw new KeyStoreFullError(this.#maxKeys);
    if (this.#byId.has(record.id)) throw new Error(`MemoryKeyStore: a key with id '${record.id}' already exists.`);
    this.#byId.set(record.id, record);
    this.#idByHash.set(record.hash, record.id);
  }

  #all(): ApiKeyRecord[] {
    return [...this.#byId.values()];
  }
}
