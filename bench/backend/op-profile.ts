/**
 * Kernel times of a batched decode step of stories260K inside onnxruntime, per operator type and
 * per attention node, from onnxruntime's own profiler, at a given batch size and cache length.
 * They run higher than unprofiled steps, because the profiler itself costs time per node, so
 * compare rows of one run.
 *
 * Usage: npx tsx bench/backend/op-profile.ts [--rows 32] [--positions 64] [--steps 128] [--json out.json]
 * The profiled steps start at `--positions` cached positions and add one each.
 * Reads the model from ../shared.
 */

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-node';

import { importLlama2c } from '../../gpu-backend/model-import/import.js';
import { BatchDecoder } from '../../gpu-backend/runtime/batch-decoder.js';
import { readModelFolder } from '../../gpu-backend/runtime/model-folder.js';

const STORIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/models/stories260K');
const PROMPT_LENGTH = 8;
const KERNEL_SUFFIX = '_kernel_time';

/** One kernel event of onnxruntime's Chrome-trace profile. */
interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '32' }, positions: { type: 'string', default: '64' }, steps: { type: 'string', default: '128' }, json: { type: 'string' } },
  });
  const rows = positiveInteger(values.rows, '--rows');
  const positions = positiveInteger(values.positions, '--positions');
  const steps = positiveInteger(values.steps, '--steps');

  const parent = await mkdtemp(path.join(tmpdir(), 'slimgate-op-profile-'));
  try {
    const modelDir = path.join(parent, 'stories260K');
    await importLlama2c({ checkpointPath: path.join(STORIES_DIR, 'stories260K.bin'), tokenizerPath: path.join(STORIES_DIR, 'tok512.bin'), outDir: modelDir, modelId: 'stories260K' });
    const folder = await readModelFolder(modelDir);
    if (positions + steps > folder.config.contextLength) throw new RangeError(`--positions plus --steps must fit the context length ${folder.config.contextLength}.`);

    const session = await ort.InferenceSession.create(folder.onnxPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: path.join(parent, 'profile'),
    });
    const decoder = new BatchDecoder(session, folder.config, folder.onnxPath);
    const prompt = Array.from({ length: PROMPT_LENGTH }, (_, index) => 1 + index);
    let { cache } = await decoder.prefill(Array.from({ length: rows }, () => prompt));
    const tokens = new Array<number>(rows).fill(prompt.at(-1)!);
    // Warm-up steps bring the cache to `positions`; their kernel events are left out below.
    for (let position = PROMPT_LENGTH; position < positions; position++) ({ cache } = await decoder.decode(cache, tokens));
    const warmRuns = positions - PROMPT_LENGTH + 1;

    for (let step = 0; step < steps; step++) ({ cache } = await decoder.decode(cache, tokens));
    session.endProfiling();
    await decoder.release();

    const profileFile = (await readdir(parent)).find((name) => name.startsWith('profile') && name.endsWith('.json'));
    if (profileFile === undefined) throw new Error(`onnxruntime wrote no profile into ${parent}.`);
    const events = (JSON.parse(await readFile(path.join(parent, profileFile), 'utf8')) as TraceEvent[]).filter((event) => event.cat === 'Session' || event.cat === 'Node');
    const result = summarize(events, warmRuns, steps);

    printResult(rows, positions, steps, result);
    if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ date: new Date().toISOString(), rows, positions, steps, ...result }, null, 2));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

interface ProfileSummary {
  /** Mean microseconds per profiled step, from onnxruntime's `model_run` events. */
  runMicroseconds: number;
  /** Mean kernel microseconds per step, by operator type. */
  byOperator: Record<string, number>;
  /** Mean kernel microseconds per step and layer, by node of the attention block. */
  attentionPerLayer: Record<string, number>;
}

/** Averages the kernel times of the last `steps` runs, skipping the warm-up runs before them. */
function summarize(events: readonly TraceEvent[], warmRuns: number, steps: number): ProfileSummary {
  let run = 0;
  let runMicroseconds = 0;
  const byOperator: Record<string, number> = {};
  const attention: Record<string, number> = {};
  const layers = new Set<string>();

  for (const event of events) {
    if (event.cat === 'Session' && event.name === 'model_run') {
      run += 1;
      if (run > warmRuns) runMicroseconds += event.dur;
      continue;
    }
    // Kernel events come before the model_run event of their own run.
    if (run < warmRuns || !event.name.endsWith(KERNEL_SUFFIX)) continue;

    const operator = event.args?.op_name ?? 'unknown';
    byOperator[operator] = (byOperator[operator] ?? 0) + event.dur;
    const match = /\/layers\.(\d+)\/self_attn\/([^/]+)/.exec(event.name.slice(0, -KERNEL_SUFFIX.length));
    if (match !== null) {
      layers.add(match[1]!);
      const node = `${match[2]} (${operator})`;
      attention[node] = (attention[node] ?? 0) + event.dur;
    }
  }

  const perStep = (record: Record<string, number>, divisor: number) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, value / divisor]));
  return { runMicroseconds: runMicroseconds / steps, byOperator: perStep(byOperator, steps), attentionPerLayer: perStep(attention, steps * Math.max(1, layers.size)) };
}

function printResult(rows: number, positions: number, steps: number, result: ProfileSummary): void {
  const sorted = (record: Record<string, number>) => Object.entries(record).sort((a, b) => b[1] - a[1]);
  const kernelSum = Object.values(result.byOperator).reduce((sum, value) => sum + value, 0);
  console.log(`stories260K decode step, ${rows} rows, cache of ${positions} positions, ${steps} profiled steps`);
  console.log(`mean run ${result.runMicroseconds.toFixed(0)} µs, of which kernels ${kernelSum.toFixed(0)} µs\n`);

  console.log('| operator | µs per step |');
  console.log('| --- | ---: |');
  for (const [operator, micros] of sorted(result.byOperator).slice(0, 15)) console.log(`| ${operator} | ${micros.toFixed(1)} |`);

  console.log('\n| attention node | µs per step and layer |');
  console.log('| --- | ---: |');
  for (const [node, micros] of sorted(result.attentionPerLayer).slice(0, 15)) console.log(`| ${node} | ${micros.toFixed(1)} |`);
}

function positiveInteger(value: string | undefined, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(value)}.`);
  return parsed;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
