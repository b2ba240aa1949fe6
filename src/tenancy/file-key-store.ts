/**
 * Node only: a {@link MemoryKeyStore} persisted to a JSON file. Each change rewrites the file
 * through a temporary file and a rename, so a crash leaves either the old or the new content.
 */

import { readFile, rename, writeFile } from 'node:fs/promises';

import { MemoryKeyStore } from './memory-key-store.js';
import type { ApiKeyRecord } from './types.js';

interface KeyFile {
  version: 1;
  keys: ApiKeyRecord[];
}

/**
 * Loads the key store from `path` (a missing file means no keys yet) and writes every change back.
 *
 * @example
 * const keys = await openFileKeyStore('.cache/keys.json');
 */
export async function openFileKeyStore(path: string, maxKeys?: number): Promise<MemoryKeyStore> {
  const records = await readKeyFile(path);
  let writing: Promise<void> = Promise.resolve();

  return new MemoryKeyStore({
    records,
    ...(maxKeys === undefined ? {} : { maxKeys }),
    // Writes are chained so that an older snapshot never lands after a newer one.
    onChange: (all) => {
      const content: KeyFile = { version: 1, keys: [...all] };
      writing = writing.then(() => writeAtomically(path, `${JSON.stringify(content, null, 2)}\n`));
      return writing;
    },
  });
}

async function readKeyFile(path: string): Promise<ApiKeyRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  const parsed = JSON.parse(text) as Partial<KeyFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.keys)) {
    throw new Error(`The key file ${path} is not a slimgate key file (expected {"version":1,"keys":[...]}).`);
  }
  return parsed.keys;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}
