/**
 * Optional JSON file persistence of a Node gateway's metrics: the state is loaded at start and
 * written every interval and at close, through a temporary file and a rename so that a crash
 * never leaves half a file behind. Node only (node:fs).
 */

import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

import type { Logger } from '../log/logger.js';
import type { MetricsState, MetricsWindowStore } from './window-store.js';

export interface FilePersistenceOptions {
  store: MetricsWindowStore;
  file: string;
  /** Time between writes, in milliseconds. */
  intervalMs: number;
  logger: Logger;
}

export interface FilePersistence {
  /** Writes the state one last time and stops the timer. */
  close(): Promise<void>;
}

/** Loads `file` into the store when it exists, then saves the store to it periodically. */
export async function startFilePersistence(options: FilePersistenceOptions): Promise<FilePersistence> {
  const { store, file, intervalMs, logger } = options;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new TypeError(`startFilePersistence: intervalMs must be a positive integer, got ${String(intervalMs)}.`);

  if (existsSync(file)) {
    const text = await readFile(file, 'utf8');
    store.load(JSON.parse(text) as MetricsState);
    logger.info({ file }, 'metrics loaded');
  }

  let writing: Promise<void> = Promise.resolve();
  const save = async (): Promise<void> => {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(store.state()));
    await rename(temporary, file);
  };
  const saveLogged = (): void => {
    writing = writing.then(save).catch((error: unknown) => logger.error({ err: error, file }, 'metrics could not be saved'));
  };

  const timer = setInterval(saveLogged, intervalMs);
  timer.unref();

  return {
    close: async () => {
      clearInterval(timer);
      saveLogged();
      await writing;
    },
  };
}
