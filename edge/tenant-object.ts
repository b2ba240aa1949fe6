/**
 * Workers key store: one Durable Object instance (named `keys`) stores every API key record in
 * its transactional storage, so creation, lookup and revocation are strongly consistent across
 * all Worker instances.
 */

import { DurableObject } from 'cloudflare:workers';

import { DEFAULT_MAX_KEYS } from '../src/tenancy/memory-key-store.js';
import { KeyStoreFullError, type ApiKeyRecord, type KeyStore } from '../src/tenancy/types.js';

const RECORD_PREFIX = 'key:';
const HASH_PREFIX = 'hash:';

/** The Durable Object that stores API key records; reached through {@link DurableObjectKeyStore}. */
export class TenantObject extends DurableObject {
  /** Inserts a record. Returns false when the store has already reached its maximum of keys. */
  async insert(record: ApiKeyRecord, maxKeys: number): Promise<boolean> {
    const count = (await this.ctx.storage.get<number>('count')) ?? 0;
    if (count >= maxKeys) return false;

    await this.ctx.storage.put({ [`${RECORD_PREFIX}${record.id}`]: record, [`${HASH_PREFIX}${record.hash}`]: record.id, count: count + 1 });
    return true;
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const id = await this.ctx.storage.get<string>(`${HASH_PREFIX}${hash}`);
    return id === undefined ? undefined : this.ctx.storage.get<ApiKeyRecord>(`${RECORD_PREFIX}${id}`);
  }

  async getRecord(id: string): Promise<ApiKeyRecord | undefined> {
    return this.ctx.storage.get<ApiKeyRecord>(`${RECORD_PREFIX}${id}`);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const records = await this.ctx.storage.list<ApiKeyRecord>({ prefix: RECORD_PREFIX });
    return [...records.values()];
  }

  async revoke(id: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    const record = await this.ctx.storage.get<ApiKeyRecord>(`${RECORD_PREFIX}${id}`);
    if (record === undefined || record.revokedAt !== null) return record;

    const revoked = { ...record, revokedAt };
    await this.ctx.storage.put(`${RECORD_PREFIX}${id}`, revoked);
    return revoked;
  }
}

/**
 * The {@link KeyStore} of the Worker, calling the `keys` instance of {@link TenantObject}.
 *
 * @example
 * const keyStore = new DurableObjectKeyStore(env.TENANTS);
 */
export class DurableObjectKeyStore implements KeyStore {
  readonly #namespace: DurableObjectNamespace<TenantObject>;
  readonly #maxKeys: number;

  constructor(namespace: DurableObjectNamespace<TenantObject>, maxKeys = DEFAULT_MAX_KEYS) {
    this.#namespace = namespace;
    this.#maxKeys = maxKeys;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    if (!(await this.#stub().insert(record, this.#maxKeys))) throw new KeyStoreFullError(this.#maxKeys);
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#stub().findByHash(hash);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#stub().getRecord(id);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.#stub().list();
  }

  async revoke(id: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    return this.#stub().revoke(id, revokedAt);
  }

  #stub(): DurableObjectStub<TenantObject> {
    return this.#namespace.get(this.#namespace.idFromName('keys'));
  }
}
