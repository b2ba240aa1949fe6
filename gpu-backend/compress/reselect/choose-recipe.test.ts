import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RequestRecord } from '../../../src/metrics/request-record.js';
import { MetricsWindowStore } from '../../../src/metrics/window-store.js';
import { parseWindow, summarizeWindow } from '../../../src/metrics/window-summary.js';
import { chooseRecipe, type ReselectOptions } from './choose-recipe.js';
import { writeReselectReport } from './reselect-report.js';
import { readTrafficProfile } from './traffic-profile.js';

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);
const OPTIONS: ReselectOptions = { executionProvider: 'cpu', latencyObjectiveSeconds: 2, qualityFloor: 0.8, minRequests: 50 };
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

interface Traffic {
  batchSize: number;
  promptTokens: number;
  latencySeconds?: number;
  /** Replay agreement of the q4 variant, when it served traffic. */
  q4Quality?: number;
}

/** Records 200 requests over the last hour into a real store and saves its admin export to a file. */
function recordedExport(traffic: Traffic): string {
  const store = new MetricsWindowStore();
  for (let index = 0; index < 200; index++) {
    const variant = traffic.q4Quality !== undefined && index % 2 === 0 ? 'q4' : 'int8';
    const record: RequestRecord = {
      time: NOW - (index % 60) * 60_000,
      tenant: 'acme',
      model: 'story',
      variant,
      backend: `gpu-${variant}`,
      route: '/v1/completions',
      status: 200,
      streamed: false,
      cacheStatus: 'miss',
      batchSize: traffic.batchSize,
      queueSeconds: null,
      firstTokenSeconds: null,
      durationSeconds: traffic.latencySeconds ?? 0.4,
      promptTokens: traffic.promptTokens,
      completionTokens: 64,
      usageReported: true,
      cost: { spentUsd: 0, baselineUsd: 0, savedByCacheUsd: 0, savedByBatchingUsd: 0, savedByCompressionUsd: 0 },
    };
    store.recordRequest(record);
    if (variant === 'q4') store.recordQuality({ time: record.time, model: 'story', variant: 'q4', source: 'replay', score: traffic.q4Quality ?? 1 });
  }

  const folder = mkdtempSync(path.join(tmpdir(), 'slimgate-reselect-'));
  folders.push(folder);
  const file = path.join(folder, 'metrics.json');
  writeFileSync(file, JSON.stringify(summarizeWindow(store, parseWindow('24h'), NOW)));
  return file;
}

function choose(traffic: Traffic, options: Partial<ReselectOptions> = {}) {
  return chooseRecipe(readTrafficProfile(recordedExport(traffic), 'story'), { ...OPTIONS, ...options });
}

describe('recipe re-selection', () => {
  it('picks 4-bit weights for small batches', () => {
    const choice = choose({ batchSize: 1, promptTokens: 40 });

    expect(choice.recipe).toBe('q4');
    expect(choice.regime).toBe('memory-bound');
  });

  it('flips to 8-bit when batches grow on CPU', () => {
    expect(choose({ batchSize: 1, promptTokens: 40 }).recipe).toBe('q4');

    const choice = choose({ batchSize: 32, promptTokens: 40 });

    expect(choice.recipe).toBe('int8');
    expect(choice.regime).toBe('compute-bound');
  });

  it('picks float16 for large batches on CUDA', () => {
    expect(choose({ batchSize: 32, promptTokens: 40 }, { executionProvider: 'cuda' }).recipe).toBe('fp16');
  });

  it('treats long prompts as compute-bound', () => {
    expect(choose({ batchSize: 1, promptTokens: 3000 }).regime).toBe('compute-bound');
  });

  it('rejects a recipe whose variant scored under the quality floor', () => {
    const choice = choose({ batchSize: 1, promptTokens: 40, q4Quality: 0.4 });

    expect(choice.recipe).toBe('int8');
    expect(choice.rejected.map((entry) => entry.recipe)).toEqual(['q4']);
  });

  it('moves to lower precision when the latency objective is broken', () => {
    const choice = choose({ batchSize: 8, promptTokens: 40, latencySeconds: 4 });

    expect(choice.recipe).toBe('q4');
    expect(choice.reasons.join(' ')).toContain('broke the 2 s p95 objective');
  });

  it('keeps the current recipe with too little traffic', () => {
    const choice = choose({ batchSize: 1, promptTokens: 40 }, { minRequests: 1000, currentRecipe: 'fp16' });

    expect(choice.recipe).toBe('fp16');
    expect(choice.regime).toBe('unknown');
  });

  it('writes a report that explains the choice', () => {
    const profile = readTrafficProfile(recordedExport({ batchSize: 2, promptTokens: 40 }), 'story');
    const choice = chooseRecipe(profile, OPTIONS);
    const folder = mkdtempSync(path.join(tmpdir(), 'slimgate-reselect-report-'));
    folders.push(folder);

    const files = writeReselectReport(folder, { choice, profile, options: OPTIONS, createdAt: '2026-01-02T12:00:00.000Z' });

    const markdown = readFileSync(files.markdown, 'utf8');
    expect(markdown).toContain('Chosen recipe: **q4**');
    expect(markdown).toContain('Batches average 2.0 sequences');
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toMatchObject({ choice: { recipe: 'q4' }, profile: { requests: 200 } });
  });

  it('rejects a file that is not a metrics export', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'slimgate-reselect-bad-'));
    folders.push(folder);
    const file = path.join(folder, 'other.json');
    writeFileSync(file, '{"hello":1}');

    expect(() => readTrafficProfile(file, 'story')).toThrow(/GET \/admin\/metrics/);
  });
});
