import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { silentLogger } from '../log/logger.js';
import { startFilePersistence } from './file-persistence.js';
import { MetricsWindowStore, type MetricsState } from './window-store.js';

const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('startFilePersistence', () => {
  it('saves on close and loads on start', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'slimgate-metrics-'));
    folders.push(folder);
    const file = path.join(folder, 'metrics.json');

    const first = new MetricsWindowStore();
    const persistence = await startFilePersistence({ store: first, file, intervalMs: 60_000, logger: silentLogger });
    first.recordQuality({ time: Date.UTC(2026, 0, 1), model: 'm', variant: 'v', source: 'feedback', score: 1 });
    await persistence.close();

    const saved = JSON.parse(readFileSync(file, 'utf8')) as MetricsState;
    expect(saved.slots).toHaveLength(1);

    const second = new MetricsWindowStore();
    await (await startFilePersistence({ store: second, file, intervalMs: 60_000, logger: silentLogger })).close();
    expect(second.state()).toEqual(first.state());
  });
});
