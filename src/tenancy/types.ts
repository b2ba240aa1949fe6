/**
 * Tenants, API key records and the key store interface that the Node (in-memory, optional JSON
 * file) and Workers (Durable Object) stores implement.
 */

/** The owner of requests, set by the auth middleware as the Hono variable `tenant`. */
export interface Tenant {
  /** Tenant id from the API key; `anonymous` when authentication is off. */
  id: string;
}

/** Per-key limits; an undefined field means no limit of that kind. */
export interface KeyLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens (prompt estimate plus completion) per minute. */
  tpm?: number;
  /** Total spend allowed over the key's lifetime, in US dollars. */
  budgetUsd?: number;
}

/** A stored API key. The plaintext key is never stored, only `hash`. */
export interface ApiKeyRecord {
  /** Public id (`key_…`), used by the admin API and in logs. */
  id: string;
  tenantId: string;
  /** Free-form label chosen by the administrator. */
  name: string;
  /** Hex HMAC-SHA-256 (or SHA-256) of the plaintext key; see hashApiKey. */
  hash: string;
  /** First characters of the key, for telling keys apart in listings. */
  displayPrefix: string;
  /** Models this key may call; null allows every model. */
  models: readonly string[] | null;
  limits: KeyLimits;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** ISO 8601 revocation time, or null while the key is active. */
  revokedAt: string | null;
}

/** Fields of a key as the admin API returns them: the record without its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'hash'>;

export function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  const { hash: _hash, ...view } = record;
  return view;
}

/**
 * Storage of API key records. Every method is async because the Workers implementation calls a
 * Durable Object.
 */
export interface KeyStore {
  /** Stores a new record. Rejects with KeyStoreFullError when the store has reached its maximum. */
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked at `revokedAt`; returns the updated record, or undefined if unknown. */
  revoke(id: string, revokedAt: string): Promise<ApiKeyRecord | undefined>;
}

/** Raised when a key store has already reached its maximum number of keys. */
export class KeyStoreFullError extends Error {
  constructor(maxKeys: number) {
    super(`The key store has reached its maximum of ${maxKeys} keys. Revoke and delete unused keys or raise the limit.`);
    this.name = 'KeyStoreFullError';
  }
}
