/**
 * Serving benchmark of the backend on stories260K over loopback HTTP, with a bounded number of
 * streaming requests per concurrency level. It reports tokens per second and p50/p95 time to
 * first token and inter-token latency for the continuous-batching engine and for the serial
 * engine (one request at a time). An in-process profile of one decode step by batch size follows.
 *
 * Usage: npx tsx bench/backend/run.ts [--json out.json] [--max-tokens 128] [--threads 1] [--batch-threads N] [--rounds 2] [--repeat 1]
 * --threads sets onnxruntime's intra-op threads for both engines and the profile; --batch-threads
 * overrides it for the batching engine alone, since only batched steps are large enough to split.
 * Each level sends max(8, rounds × concurrency) requests from a worker thread, so that the client
 * does not share the server's JavaScript thread. With --repeat N the engines alternate N
 * times and the table shows, per engine and level, the run with the median tokens per second.
 * Reads the model from ../shared.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { serve } from '@hono/node-server';

import { importLlama2c } from '../../gpu-backend/model-import/import.js';
import { loadBatchDecoder } from '../../gpu-backend/runtime/batch-decoder.js';
import { loadEngine, loadSerialEngine } from '../../gpu-backend/runtime/load-engine.js';
import type { Engine } from '../../gpu-backend/runtime/generation.js';
import { createBackendApp } from '../../gpu-backend/server/app.js';
import { silentLogger } from '../../src/log/logger.js';
import { quantile, runLoadInWorker, type LoadResult } from './load.js';
import { profileDecode, type StepProfile } from './profile.js';

const CONCURRENCY_LEVELS = [1, 4, 16, 32, 64];
const PROFILE_BATCH_SIZES = [1, 4, 16, 32, 64];
const MODEL_ID = 'stories260K';
const STORIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/models/stories260K');
const PROMPTS = ['Once upon a time', 'Lily and Tom went to the park', 'The little dog', 'One day, a boy named Tim', 'The sun was hot', 'Mom said', 'There was a big tree', 'Sam had a red ball'];

interface LevelSummary {
  engine: 'batch' | 'serial';
  concurrency: number;
  requests: number;
  completionTokens: number;
  durationSeconds: number;
  tokensPerSecond: number;
  timeToFirstTokenMs: { p50: number; p95: number };
  interTokenLatencyMs: { p50: number; p95: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'string' }, 'max-tokens': { type: 'string', default: '128' }, threads: { type: 'string', default: '1' }, 'batch-threads': { type: 'string' }, rounds: { type: 'string', default: '2' }, repeat: { type: 'string', default: '1' } },
  });
  const maxTokens = Number(values['max-tokens']);
  const threads = Number(values.threads);
  const batchThreads = Number(values['batch-threads'] ?? values.threads);
  const rounds = Number(values.rounds);
  const repeat = Number(values.repeat);

  const loadAverageAtStart = loadavg();
  const parent = await mkdtemp(path.join(tmpdir(), 'slimgate-bench-'));
  try {
    const modelDir = path.join(parent, MODEL_ID);
    await importLlama2c({ checkpointPath: path.join(STORIES_DIR, 'stories260K.bin'), tokenizerPath: path.join(STORIES_DIR, 'tok512.bin'), outDir: modelDir, modelId: MODEL_ID });
    const session = { executionProvider: 'cpu' as const, intraOpNumThreads: threads };

    const runs: LevelSummary[] = [];
    const batch = await loadEngine({ modelDir, ...session, intraOpNumThreads: batchThreads, maxQueue: 1024, maxBatchSize: 64, maxTokensPerStep: 512, logger: silentLogger });
    const serial = await loadSerialEngine({ modelDir, ...session, maxQueue: 1024, logger: silentLogger });
    for (let run = 0; run < repeat; run++) {
      runs.push(...(await benchmarkEngine('batch', batch.engine, maxTokens, rounds)));
      runs.push(...(await benchmarkEngine('serial', serial.engine, maxTokens, rounds)));
    }
    const prompt = batch.engine.encodePrompt('Once upon a time');
    await batch.engine.close();
    await serial.engine.close();
    const levels = medianRuns(runs);

    const decoder = await loadBatchDecoder(path.join(modelDir, 'onnx', 'model.onnx'), batch.folder.config, session);
    const profiles: StepProfile[] = [];
    for (const batchSize of PROFILE_BATCH_SIZES) profiles.push(await profileDecode(decoder, prompt, batchSize, 256));
    await decoder.release();

    printResults(levels, profiles);
    const environment = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart, loadAverageAtEnd: loadavg(), threads, batchThreads, maxTokens, rounds, repeat, date: new Date().toISOString() };
    if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ environment, levels, runs, profiles }, null, 2));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function benchmarkEngine(name: 'batch' | 'serial', engine: Engine, maxTokens: number, rounds: number): Promise<LevelSummary[]> {
  const app = createBackendApp({ engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 600_000 });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    // Warm-up: the first runs pay for lazy initialization in onnxruntime and V8.
    await runLoadInWorker({ baseUrl, model: MODEL_ID, prompts: PROMPTS, maxTokens, concurrency: 4, requests: 8 });

    const summaries: LevelSummary[] = [];
    for (const concurrency of CONCURRENCY_LEVELS) {
      const result = await runLoadInWorker({ baseUrl, model: MODEL_ID, prompts: PROMPTS, maxTokens, concurrency, requests: Math.max(8, rounds * concurrency) });
      summaries.push(summarize(name, result));
      process.stderr.write(`${name} concurrency ${concurrency}: ${summaries.at(-1)!.tokensPerSecond.toFixed(0)} tokens/s\n`);
    }
    return summaries;
  } finally {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }
}

/** Picks, per engine and concurrency, the run with the median tokens per second. */
function medianRuns(runs: readonly LevelSummary[]): LevelSummary[] {
  const medians: LevelSummary[] = [];
  for (const engine of ['batch', 'serial'] as const) {
    for (const concurrency of CONCURRENCY_LEVELS) {
      const matching = runs.filter((run) => run.engine === engine && run.concurrency === concurrency).sort((a, b) => a.tokensPerSecond - b.tokensPerSecond);
      medians.push(matching[Math.floor(matching.length / 2)]!);
    }
  }
  return medians;
}

function summarize(engine: 'batch' | 'serial', result: LoadResult): LevelSummary {
  const ttft = result.timings.map((timing) => timing.timeToFirstToken * 1000);
  const itl = result.timings.flatMap((timing) => timing.interTokenLatencies.map((seconds) => seconds * 1000));
  return {
    engine,
    concurrency: result.concurrency,
    requests: result.requests,
    completionTokens: result.completionTokens,
    durationSeconds: result.durationSeconds,
    tokensPerSecond: result.completionTokens / result.durationSeconds,
    timeToFirstTokenMs: { p50: quantile(ttft, 0.5), p95: quantile(ttft, 0.95) },
    interTokenLatencyMs: { p50: quantile(itl, 0.5), p95: quantile(itl, 0.95) },
  };
}

function printResults(levels: LevelSummary[], profiles: StepProfile[]): void {
  const ms = (value: number): string => value.toFixed(2);
  console.log('| engine | concurrency | requests | tokens | tokens/s | TTFT p50 / p95 (ms) | ITL p50 / p95 (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const level of levels) {
    console.log(
      `| ${level.engine} | ${level.concurrency} | ${level.requests} | ${level.completionTokens} | ${level.tokensPerSecond.toFixed(0)} | ` +
        `${ms(level.timeToFirstTokenMs.p50)} / ${ms(level.timeToFirstTokenMs.p95)} | ${ms(level.interTokenLatencyMs.p50)} / ${ms(level.interTokenLatencyMs.p95)} |`,
    );
  }

  console.log('\n| concurrency | batch / serial tokens per second |');
  console.log('|---|---|');
  for (const concurrency of CONCURRENCY_LEVELS) {
    const batch = levels.find((level) => level.engine === 'batch' && level.concurrency === concurrency)!;
    const serial = levels.find((level) => level.engine === 'serial' && level.concurrency === concurrency)!;
    console.log(`| ${concurrency} | ${(batch.tokensPerSecond / serial.tokensPerSecond).toFixed(2)}× |`);
  }

  console.log('\n| batch size | step (ms) | run call (ms) | inputs (ms) | sampling (ms) | tokens/s in-process |');
  console.log('|---|---|---|---|---|---|');
  for (const profile of profiles) {
    console.log(`| ${profile.batchSize} | ${profile.stepMs.toFixed(3)} | ${profile.runMs.toFixed(3)} | ${profile.prepareMs.toFixed(4)} | ${profile.sampleMs.toFixed(3)} | ${profile.tokensPerSecond.toFixed(0)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
