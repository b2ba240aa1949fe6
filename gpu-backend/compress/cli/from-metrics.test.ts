/**
 * `--recipe from-metrics` at the command level: real traffic on the stories260K backend passes
 * through the gateway's metrics middleware into a metrics store, whose admin export is the
 * `--metrics` file. Sequential requests decode alone and concurrent ones decode together, and
 * the chosen recipe follows.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CostModel } from '../../../src/cost/cost-model.js';
import { silentLogger } from '../../../src/log/logger.js';
import { LocalMetricsStore } from '../../../src/metrics/metrics-store.js';
import { parseWindow } from '../../../src/metrics/window-summary.js';
import { metrics } from '../../../src/middleware/metrics/index.js';
import { loadEngine } from '../../runtime/load-engine.js';
import { createBackendApp } from '../../server/app.js';
import { captureOutput, parseCommand } from '../testing/cli.js';
import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';
import { parseCliArguments, UsageError } from './args.js';
import { runCompress, runDeploy } from './commands.js';

const MODEL_ID = 'stories260K';
const REQUESTS = 24;

let models: TemporaryModels;
let modelDir: string;
let sequentialExport: string;
let concurrentExport: string;

/** Serves `REQUESTS` completions through the metrics middleware and saves the store's 24 h export. */
async function recordTraffic(backend: ReturnType<typeof createBackendApp>, concurrent: boolean, file: string): Promise<void> {
  const store = new LocalMetricsStore();
  const gateway = new Hono();
  gateway.use(
    metrics({
      store,
      costModel: new CostModel({ edgeRequestUsd: 0, backendHourlyUsd: {} }),
      logger: silentLogger,
      labels: () => ({ tenant: 'acme', model: MODEL_ID, variant: 'default', referenceVariant: 'default', backend: 'local', cacheStatus: 'miss', batchSize: null }),
    }),
  );
  gateway.post('/v1/completions', async (c) => backend.request('/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: await c.req.text() }));

  const send = async (index: number): Promise<void> => {
    const body = JSON.stringify({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 8, temperature: 1, seed: index });
    const response = await gateway.request('/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    await response.json();
  };
  if (concurrent) await Promise.all(Array.from({ length: REQUESTS }, (_, index) => send(index)));
  else for (let index = 0; index < REQUESTS; index++) await send(index);

  // Records are written after each body ends, so wait for the last one.
  for (let attempt = 0; attempt < 100 && (await store.summarize(parseWindow('24h'))).totals.requests < REQUESTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  writeFileSync(file, JSON.stringify(await store.summarize(parseWindow('24h'))));
}

beforeAll(async () => {
  models = await createTemporaryModels();
  modelDir = (await models.folder('stories260K')).dir;

  const { engine } = await loadEngine({ modelDir, executionProvider: 'cpu', intraOpNumThreads: 1, maxQueue: 64, maxBatchSize: 32, maxTokensPerStep: 1024, logger: silentLogger });
  try {
    const backend = createBackendApp({ engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 60_000 });
    sequentialExport = path.join(models.parent, 'sequential-metrics.json');
    concurrentExport = path.join(models.parent, 'concurrent-metrics.json');
    await recordTraffic(backend, false, sequentialExport);
    await recordTraffic(backend, true, concurrentExport);
  } finally {
    await engine.close();
  }
}, 120_000);

afterAll(async () => {
  await models.remove();
});

describe('--recipe from-metrics', () => {
  it('records the batch sizes the backend reported', () => {
    const sequential = JSON.parse(readFileSync(sequentialExport, 'utf8')) as { totals: { requests: number; meanBatchSize: number | null } };
    const concurrent = JSON.parse(readFileSync(concurrentExport, 'utf8')) as { totals: { requests: number; meanBatchSize: number | null } };

    expect(sequential.totals.requests).toBe(REQUESTS);
    expect(sequential.totals.meanBatchSize).toBe(1);
    expect(concurrent.totals.requests).toBe(REQUESTS);
    expect(concurrent.totals.meanBatchSize).toBeGreaterThanOrEqual(16);
  });

  it('compresses with q4 after small batches', async () => {
    const { io, printed } = captureOutput();
    const args = parseCommand(['compress', modelDir, '--recipe', 'from-metrics', '--metrics', sequentialExport, '--min-requests', '20', '--stories', '2', '--no-latency', '--threads', '1']);

    const result = await runCompress(args, io);

    expect(printed[0]).toBe(`recipe from metrics: q4 (${REQUESTS} requests of ${MODEL_ID}, traffic memory-bound)`);
    expect(printed).toContain(`wrote ${path.join(modelDir, 'reselect-report.md')} and ${path.join(modelDir, 'reselect-report.json')}`);
    expect(result.chosen?.candidate.recipe.name).toBe('q4');
    expect(readFileSync(path.join(modelDir, 'reselect-report.md'), 'utf8')).toContain('Chosen recipe: **q4**');
  }, 120_000);

  it('deploys int8 after large batches', async () => {
    const { io, printed } = captureOutput();
    const args = parseCommand(['deploy', modelDir, '--recipe', 'from-metrics', '--metrics', concurrentExport, '--min-requests', '20', '--max-ppl-increase', '5%', '--stories', '2', '--no-latency', '--threads', '1']);

    const deployment = await runDeploy(args, io);

    expect(printed[0]).toBe(`recipe from metrics: int8 (${REQUESTS} requests of ${MODEL_ID}, traffic compute-bound)`);
    expect(deployment).toMatchObject({ active: 'onnx/model_quantized.onnx', recipe: 'int8' });
    const report = JSON.parse(readFileSync(path.join(modelDir, 'reselect-report.json'), 'utf8')) as { choice: { recipe: string }; profile: { requests: number } };
    expect(report.choice.recipe).toBe('int8');
    expect(report.profile.requests).toBe(REQUESTS);
  }, 120_000);

  it('rejects incomplete options', () => {
    expect(() => parseCliArguments(['deploy', modelDir, '--recipe', 'from-metrics'])).toThrow(UsageError);
    expect(() => parseCliArguments(['deploy', modelDir, '--recipe', 'from-metrics'])).toThrow(/needs --metrics <file>/);
    expect(() => parseCliArguments(['deploy', modelDir, '--recipe', 'int8', '--metrics', 'm.json'])).toThrow(/--metrics applies only to --recipe from-metrics/);
    expect(() => parseCliArguments(['deploy', modelDir, '--recipe', 'from-metrics', '--metrics', 'm.json', '--quality-floor', '2'])).toThrow(/--quality-floor must be a number from 0 to 1/);
  });
});
