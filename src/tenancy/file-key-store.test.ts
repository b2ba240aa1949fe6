import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { openFileKeyStore } from './file-key-store.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { KeyStoreFullError, type ApiKeyRecord } from './types.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

function record(id: string): ApiKeyRecord {
  return { id, tenantId: 't1', name: '', hash: `hash-${id}`, displayPrefix: 'sk-slim-abcd…', models: null, limits: {}, createdAt: '2026-01-01T00:00:00.000Z', revokedAt: null };
}

describe('key stores', () => {
  it('finds a record by hash', async () => {
    const store = new MemoryKeyStore();
    await store.insert(record('key_1'));

    expect((await store.findByHash('hash-key_1'))?.id).toBe('key_1');
    expect(await store.findByHash('hash-other')).toBeUndefined();
  });

  it('revokes a key', async () => {
    const store = new MemoryKeyStore();
    await store.insert(record('key_1'));

    expect((await store.revoke('key_1', '2026-02-01T00:00:00.000Z'))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    expect((await store.findByHash('hash-key_1'))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(await store.revoke('key_2', '2026-02-01T00:00:00.000Z')).toBeUndefined();
  });

  it('rejects keys beyond maxKeys', async () => {
    const store = new MemoryKeyStore({ maxKeys: 1 });
    await store.insert(record('key_1'));

    await expect(store.insert(record('key_2'))).rejects.toBeInstanceOf(KeyStoreFullError);
  });

  it('persists to a JSON file', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'slimgate-keys-'));
    folders.push(folder);
    const file = path.join(folder, 'keys.json');

    const store = await openFileKeyStore(file);
    await store.insert(record('key_1'));
    await store.revoke('key_1', '2026-02-01T00:00:00.000Z');

    const reopened = await openFileKeyStore(file);
    expect((await reopened.get('key_1'))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, keys: [{ id: 'key_1', hash: 'hash-key_1' }] });
  });
});
