/**
 * Compression benchmark: quality (story by story on TinyStories validation stories 201–1000),
 * size, latency, throughput, cost and peak memory of each recipe on stories260K and
 * babyllama-tok105, and speed and memory on a ~104M-parameter Llama with random weights.
 *
 * Usage: npx tsx bench/compression/run.ts [--json out.json] [--stories N] [--price-per-hour USD] [--skip-large] [--skip-small]
 * Reads the shared models and stories from $SLIMGATE_SHARED_DIR, or ../shared beside the repository.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { applyRecipe } from '../../gpu-backend/compress/recipe.js';
import { evaluateVariants, type VariantMeasurement } from '../../gpu-backend/compress/evaluate/evaluate-variants.js';
import { describeHardware } from '../../gpu-backend/compress/evaluate/hardware.js';
import { compressModel, type LatencySettings } from '../../gpu-backend/compress/pipeline/compress-model.js';
import { formatMarkdownTable } from '../../gpu-backend/compress/report/variant-table.js';
import { SHARED_MODELS, SHARED_MODELS_DIR, type SharedModelName } from '../../gpu-backend/compress/testing/models.js';
import { importLlama2c } from '../../gpu-backend/model-import/import.js';
import { loadModel, saveModel } from '../../gpu-backend/onnx/model-io.js';
import { readModelFolder } from '../../gpu-backend/runtime/model-folder.js';
import { createProgressDisplay } from '../../gpu-backend/compress/cli/progress-display.js';
import { qualityCandidates, speedCandidates } from './recipes.js';
import { LARGE_CONFIG, parameterCount, writeSyntheticModel } from './synthetic-model.js';
import { checkTargets, medianStoryIncreasePercent } from './targets.js';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    stories: { type: 'string' },
    'price-per-hour': { type: 'string' },
    'skip-large': { type: 'boolean' },
    'skip-small': { type: 'boolean' },
  },
});
const storyCount = values.stories === undefined ? undefined : Number(values.stories);
// NOTE: an assumed on-demand price for a 2-vCPU cloud VM, not a quote; pass --price-per-hour for real figures.
const pricePerHour = values['price-per-hour'] === undefined ? 0.05 : Number(values['price-per-hour']);
const logger = pino({ level: 'warn' }, pino.destination(2));

const SMALL_LATENCY: LatencySettings = { batchSizes: [1, 8], promptTokens: 64, decodeSteps: 32, warmupRuns: 2, measuredRuns: 10, timeoutMs: 600_000 };
const LARGE_LATENCY: LatencySettings = { batchSizes: [1, 8], promptTokens: 64, decodeSteps: 16, warmupRuns: 1, measuredRuns: 8, timeoutMs: 600_000 };

interface ModelReport {
  model: string;
  /** MatMul weights of the base model (the tied lm_head counts separately from the embedding). */
  matmulWeights: number;
  variants: VariantMeasurement[];
  /** Median over stories of each story's perplexity increase, by variant name. */
  medianStoryIncreasePercent: Record<string, number>;
  notes: string[];
}

async function benchmarkRealModel(work: string, name: SharedModelName): Promise<ModelReport> {
  const files = SHARED_MODELS[name];
  const dir = path.join(work, name);
  await importLlama2c({ checkpointPath: path.join(SHARED_MODELS_DIR, files.checkpoint), tokenizerPath: path.join(SHARED_MODELS_DIR, files.tokenizer), outDir: dir, modelId: name });

  process.stderr.write(`\n${name}\n`);
  const result = await compressModel({
    modelDir: dir,
    recipe: 'mixed-auto',
    extraCandidates: qualityCandidates(),
    objective: 'size',
    constraints: {},
    executionProvider: 'cpu',
    intraOpNumThreads: 1,
    pricePerHour,
    latency: SMALL_LATENCY,
    mixedPrecision: { maxBitsPerWeight: 5, calibrationStories: 8, formats: ['q4b32', 'q4b64', 'gptq4b32', 'gptq4b64'] },
    logger,
    progress: createProgressDisplay(),
    ...(storyCount === undefined ? {} : { storyCount }),
  });

  const variants = [result.base, ...result.evaluated.map((entry) => entry.measurement)];
  const mixed = result.evaluated.find((entry) => entry.candidate.recipe.name === 'mixed-auto');
  return {
    model: name,
    matmulWeights: variants[0]!.matmul.weights,
    variants,
    medianStoryIncreasePercent: Object.fromEntries(variants.map((variant) => [variant.name, medianStoryIncreasePercent(result.base, variant)])),
    notes: [
      ...result.failed.map((failure) => `${failure.candidate.recipe.name} failed: ${failure.error}`),
      ...(mixed ? [`mixed-auto steps: ${JSON.stringify(mixed.candidate.recipe.steps)}`] : []),
    ],
  };
}

async function benchmarkLargeModel(work: string, tokenizerDir: string): Promise<ModelReport> {
  const dir = path.join(work, 'synthetic-llama-104m');
  process.stderr.write(`\nsynthetic-llama-104m (${parameterCount(LARGE_CONFIG)} parameters): building\n`);
  writeSyntheticModel(dir, LARGE_CONFIG, tokenizerDir);
  const folder = await readModelFolder(dir);
  const base = loadModel(folder.onnxPath);

  const variants = [{ name: 'base', onnxPath: folder.onnxPath }];
  for (const candidate of speedCandidates()) {
    process.stderr.write(`apply ${candidate.recipe.name}\n`);
    const { model } = await applyRecipe(base, candidate.recipe, { logger, executionProvider: 'cpu', workDir: work });
    const onnxPath = path.join(dir, candidate.variantFile);
    saveModel(model, onnxPath);
    variants.push({ name: candidate.recipe.name, onnxPath });
  }

  process.stderr.write('measuring latency and memory\n');
  const measured = await evaluateVariants({
    baseOnnxPath: folder.onnxPath,
    config: folder.config,
    variants,
    performance: LARGE_LATENCY,
    executionProvider: 'cpu',
    pricePerHour,
    onProgress: (event) => {
      if (event.phase === 'performance' && event.variant) process.stderr.write(`  ${event.variant}\n`);
    },
  });
  return { model: 'synthetic-llama-104m', matmulWeights: measured[0]!.matmul.weights, variants: measured, medianStoryIncreasePercent: {}, notes: ['random weights: speed and memory only'] };
}

/** Returns a folder with stories260K's tokenizer files (vocabulary 512, as the large model has), importing it when needed. */
async function tokenizerFolder(work: string): Promise<string> {
  const dir = path.join(work, 'stories260K');
  if (!existsSync(dir)) {
    const files = SHARED_MODELS.stories260K;
    await importLlama2c({ checkpointPath: path.join(SHARED_MODELS_DIR, files.checkpoint), tokenizerPath: path.join(SHARED_MODELS_DIR, files.tokenizer), outDir: dir, modelId: 'stories260K' });
  }
  return dir;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'slimgate-bench-compression-'));
  const started = Date.now();
  try {
    const reports: ModelReport[] = [];
    if (!values['skip-small']) {
      for (const name of Object.keys(SHARED_MODELS) as SharedModelName[]) reports.push(await benchmarkRealModel(work, name));
    }
    if (!values['skip-large']) reports.push(await benchmarkLargeModel(work, await tokenizerFolder(work)));

    const hardware = describeHardware('cpu', undefined);
    const lines = [`Machine: ${hardware.cpuModel}, ${hardware.cpuCount} CPUs, Node ${hardware.nodeVersion}, onnxruntime-node ${hardware.onnxruntimeVersion} (cpu)`];
    lines.push(`Price: $${pricePerHour}/hour; stories: ${storyCount ?? 800} of 201-1000; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const report of reports) {
      lines.push('', `### ${report.model} (${report.matmulWeights.toLocaleString('en-US')} MatMul weights)`, '', formatMarkdownTable(report.variants));
      const perStory = Object.entries(report.medianStoryIncreasePercent).filter(([name]) => name !== 'base');
      if (perStory.length > 0) lines.push('', `Median per-story Δppl %: ${perStory.map(([name, value]) => `${name} ${value >= 0 ? '+' : ''}${value.toFixed(2)}`).join(', ')}`);
      for (const note of report.notes) lines.push('', `- ${note}`);
    }
    lines.push('', '### Targets', '', ...checkTargets(reports).map((line) => `- ${line}`));
    process.stdout.write(`${lines.join('\n')}\n`);

    if (values.json) writeFileSync(values.json, `${JSON.stringify({ hardware, pricePerHour, storyCount: storyCount ?? 800, reports }, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
