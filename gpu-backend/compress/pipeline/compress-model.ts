/**
 * `compressModel`: applies candidate recipes to a model folder's `onnx/model.onnx` and measures
 * every variant the same way. It keeps the Pareto front over perplexity increase, p95 decode
 * latency and file size, and chooses one variant by an objective under constraints. The chosen
 * variant, front presets and `onnx/manifest.json` are written into the folder atomically.
 *
 * Nothing in the folder changes before every variant has been measured, so a failed run
 * (corrupt model, failed method, failed measurement) leaves earlier artifacts untouched.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

import * as ort from 'onnxruntime-node';

import type { Logger } from '../../../src/log/logger.js';
import { loadModel, saveModel, sha256File } from '../../onnx/model-io.js';
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import type { ModelConfig } from '../../runtime/model-folder.js';
import { saveModelAtomic } from '../artifacts/atomic-write.js';
import { manifestMeasurements, writeManifest, type Manifest, type ManifestVariant } from '../artifacts/manifest.js';
import { loadCalibrationSet, subsetCalibration, type CalibrationSet } from '../calibration/calibration-set.js';
import { DecoderRunner } from '../evaluate/decoder-runner.js';
import { decoderShapeOf, evaluateVariants, type LatencySettings, type VariantMeasurement } from '../evaluate/evaluate-variants.js';
import { loadEvaluationTokenizer } from '../evaluate/evaluation-tokenizer.js';
import { describeHardware } from '../evaluate/hardware.js';
import { defaultStoriesPath, evaluationRange, loadStories, tokenizeStories } from '../evaluate/stories.js';
import { applyRecipe, type AppliedStep } from '../recipe.js';
import { chooseMixedPrecision, type WeightFormat } from '../search/mixed-precision.js';
import { paretoFront } from '../search/pareto.js';
import { objectiveValue, selectVariant, type Constraints, type Objective, type Selection } from '../search/objective.js';
import { autoCandidates, namedCandidate, type Candidate } from './candidates.js';
import { silentProgress, type ProgressSink } from './progress.js';
import { readSourceModel, SOURCE_ONNX_FILE } from './source-model.js';

/** Recipe name of the automatically chosen mixed-precision variant, and its file. */
export const MIXED_AUTO_RECIPE = 'mixed-auto';
export const MIXED_AUTO_FILE = 'onnx/model_mixed_auto.onnx';

export type { LatencySettings };

export const DEFAULT_LATENCY: LatencySettings = { batchSizes: [1, 8], promptTokens: 64, decodeSteps: 16, warmupRuns: 1, measuredRuns: 5, timeoutMs: 300_000 };

export interface CompressOptions {
  modelDir: string;
  /** `auto`, `mixed-auto` or a preset name from `NAMED_RECIPES`. */
  recipe: string;
  objective: Objective;
  constraints: Constraints;
  /** Evaluation stories from 201 on; default all 800. */
  storyCount?: number;
  storiesPath?: string;
  /** Calibration sequences (stories 1–200) handed to methods that need them; default 32. */
  calibrationStories?: number;
  pricePerHour?: number;
  executionProvider: ExecutionProvider;
  intraOpNumThreads?: number;
  /** Most recipes tried by `auto`; default 24. */
  maxRecipes?: number;
  /** Extra candidates tried next to the recipe(s) above (the benchmark's own recipes). */
  extraCandidates?: Candidate[];
  /** Settings of the automatically chosen mixed-precision candidate (recipe auto or mixed-auto). */
  mixedPrecision?: { maxBitsPerWeight: number; calibrationStories?: number; formats?: WeightFormat[] };
  /** Latency settings; null skips latency and memory (then latency objectives are unavailable). */
  latency?: LatencySettings | null;
  logger: Logger;
  progress?: ProgressSink;
}

export interface EvaluatedCandidate {
  candidate: Candidate;
  steps: AppliedStep[];
  measurement: VariantMeasurement;
  onParetoFront: boolean;
}

export interface CompressResult {
  modelDir: string;
  base: VariantMeasurement;
  evaluated: EvaluatedCandidate[];
  /** Candidates whose recipe could not be applied, with the error message. */
  failed: { candidate: Candidate; error: string }[];
  selection: Selection;
  chosen: EvaluatedCandidate | null;
  /** Manifest entries written in this run (empty when no variant met the constraints). */
  written: ManifestVariant[];
}

export async function compressModel(options: CompressOptions): Promise<CompressResult> {
  const log = options.logger.child({ component: 'compress', modelDir: options.modelDir });
  const progress = options.progress ?? silentProgress;
  const source = await readSourceModel(options.modelDir);
  const dir = source.folder.dir;
  const config = source.folder.config;
  const storiesPath = options.storiesPath ?? defaultStoriesPath();

  const calibration = loadCalibrationIfPresent(storiesPath, dir, config.contextLength, config.bosTokenId, options.calibrationStories ?? 32, log);
  const candidates =
    options.recipe === 'auto'
      ? autoCandidates({ maxRecipes: options.maxRecipes ?? 24, withoutCalibration: calibration === undefined, executionProvider: options.executionProvider })
      : options.recipe === MIXED_AUTO_RECIPE
        ? []
        : [namedCandidate(options.recipe)];
  candidates.push(...(options.extraCandidates ?? []));
  const withMixed = options.recipe === 'auto' || options.recipe === MIXED_AUTO_RECIPE;
  if (withMixed && !calibration) throw new Error(`${MIXED_AUTO_RECIPE} needs calibration stories from ${storiesPath}, which was not found`);
  // Choosing the mixed-precision recipe and applying it are two extra steps.
  const totalSteps = candidates.length + (withMixed ? 2 : 0) + 2;

  if (withMixed) {
    const mixedStories = options.mixedPrecision?.calibrationStories ?? 16;
    progress.step(`choose ${MIXED_AUTO_RECIPE} (max ${options.mixedPrecision?.maxBitsPerWeight ?? 5} bits per weight)`, 1, totalSteps);
    const mixed = await chooseMixedPrecision({
      model: source.model,
      shape: decoderShapeOf(config),
      calibration: calibration!.sequences.slice(0, mixedStories),
      maxBitsPerWeight: options.mixedPrecision?.maxBitsPerWeight ?? 5,
      // GPTQ runs once per trial, so the search hands it the scoring sequences only; the chosen recipe is applied below with the full set.
      context: { calibration: subsetCalibration(calibration!, mixedStories), logger: log, executionProvider: options.executionProvider, workDir: dir },
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      ...(options.mixedPrecision?.formats ? { formats: options.mixedPrecision.formats } : {}),
    });
    candidates.push({ recipe: mixed.recipe, variantFile: MIXED_AUTO_FILE });
  }

  const workDir = mkdtempSync(path.join(dir, 'onnx', '.slimgate-work-'));
  try {
    const applied: { candidate: Candidate; steps: AppliedStep[]; onnxPath: string }[] = [];
    const failed: CompressResult['failed'] = [];
    for (const [index, candidate] of candidates.entries()) {
      progress.step(`apply ${candidate.recipe.name}`, index + 1 + (withMixed ? 1 : 0), totalSteps);
      try {
        const result = await applyRecipe(source.model, candidate.recipe, {
          ...(calibration ? { calibration } : {}),
          logger: log,
          executionProvider: options.executionProvider,
          workDir,
        });
        const onnxPath = path.join(workDir, `candidate-${index}.onnx`);
        saveModel(result.model, onnxPath, { location: `candidate-${index}.onnx_data` });
        await checkRuns(onnxPath, config, options);
        applied.push({ candidate, steps: result.steps, onnxPath });
      } catch (error) {
        // A named recipe the user asked for must work; in a search, one failing recipe is reported and skipped.
        if (options.recipe !== 'auto') throw error;
        log.warn({ recipe: candidate.recipe.name, err: error }, 'recipe failed; skipped');
        failed.push({ candidate, error: (error as Error).message });
      }
    }
    if (applied.length === 0) throw new Error(`no recipe could be applied to ${source.onnxPath}: ${failed.map((f) => `${f.candidate.recipe.name}: ${f.error}`).join('; ')}`);

    progress.step('evaluate', totalSteps - 1, totalSteps);
    const tokenizer = await loadEvaluationTokenizer(dir, config.bosTokenId);
    const range = evaluationRange(options.storyCount);
    const stories = tokenizeStories(await loadStories(storiesPath, range), tokenizer, config.contextLength);
    const latency = options.latency === undefined ? DEFAULT_LATENCY : options.latency;
    const measurements = await evaluateVariants({
      baseOnnxPath: source.onnxPath,
      config,
      variants: [{ name: 'base', onnxPath: source.onnxPath }, ...applied.map((entry) => ({ name: entry.candidate.recipe.name, onnxPath: entry.onnxPath }))],
      stories,
      ...(latency === null ? {} : { performance: latency }),
      executionProvider: options.executionProvider,
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      ...(options.pricePerHour === undefined ? {} : { pricePerHour: options.pricePerHour }),
      onProgress: (event) => {
        if (event.phase === 'quality') progress.stories(event.storiesDone, event.storiesTotal);
      },
    });
    const base = measurements[0]!;
    const variantMeasurements = measurements.slice(1);

    const costs = (measurement: VariantMeasurement): number[] => [
      measurement.quality!.perplexityIncreasePercent,
      ...(latency === null ? [] : [objectiveValue(measurement, 'p95-decode-latency')]),
      measurement.fileBytes,
    ];
    const front = new Set(paretoFront(variantMeasurements, costs));
    const evaluated: EvaluatedCandidate[] = applied.map((entry, i) => ({
      candidate: entry.candidate,
      steps: entry.steps,
      measurement: variantMeasurements[i]!,
      onParetoFront: front.has(variantMeasurements[i]!),
    }));
    const selection = selectVariant(variantMeasurements, options.objective, options.constraints);
    const chosen = evaluated.find((entry) => entry.measurement === selection.chosen) ?? null;
    log.info({ chosen: chosen?.candidate.recipe.name ?? null, candidates: evaluated.length, failed: failed.length }, 'variants evaluated');

    progress.step('write artifacts', totalSteps, totalSteps);
    const written = chosen ? writeArtifacts(dir, source.sha256, chosen, evaluated, options, base, stories.length, range) : [];
    progress.finish();
    return { modelDir: dir, base, evaluated, failed, selection, chosen, written };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Keeps the chosen variant and every preset variant on the Pareto front that meets the
 * constraints, under their transformers.js file names, then records them in the manifest.
 */
function writeArtifacts(
  dir: string,
  sourceSha256: string,
  chosen: EvaluatedCandidate,
  evaluated: readonly EvaluatedCandidate[],
  options: CompressOptions,
  base: VariantMeasurement,
  storyCount: number,
  range: { first: number; last: number },
): ManifestVariant[] {
  const rejected = new Set(selectVariant(evaluated.map((e) => e.measurement), options.objective, options.constraints).rejected.map((r) => r.variant));
  const keptVariants = evaluated.filter((entry) => entry === chosen || (entry.onParetoFront && entry.candidate.dtype !== undefined && !rejected.has(entry.measurement)));

  const createdAt = new Date().toISOString();
  const entries: ManifestVariant[] = [];
  const byFile = new Map<string, EvaluatedCandidate>();
  for (const entry of keptVariants) if (!byFile.has(entry.candidate.variantFile) || entry === chosen) byFile.set(entry.candidate.variantFile, entry);

  for (const [file, entry] of byFile) {
    const target = path.join(dir, file);
    if (path.resolve(target) === path.resolve(dir, SOURCE_ONNX_FILE)) throw new Error(`recipe ${entry.candidate.recipe.name} would overwrite the source model ${file}`);
    saveModelAtomic(loadModel(entry.measurement.onnxPath), target, { location: `${path.basename(file)}_data` });
    entries.push({
      file,
      sha256: sha256File(target),
      recipe: entry.candidate.recipe,
      ...(entry.candidate.dtype === undefined ? {} : { dtype: entry.candidate.dtype }),
      steps: entry.steps,
      measurements: manifestMeasurements(entry.measurement),
      onParetoFront: entry.onParetoFront,
      createdAt,
    });
  }

  const manifest: Manifest = {
    format: 'slimgate-compression-manifest',
    formatVersion: 1,
    source: { file: SOURCE_ONNX_FILE, sha256: sourceSha256 },
    hardware: describeHardware(options.executionProvider, options.intraOpNumThreads),
    evaluation: {
      stories: `TinyStories validation stories ${range.first}-${range.last}`,
      storyCount,
      predictedTokens: base.quality?.predictedTokens ?? null,
      basePerplexity: base.quality?.perplexity ?? null,
      objective: options.objective,
      constraints: options.constraints,
      chosen: chosen.candidate.variantFile,
    },
    variants: entries,
    updatedAt: createdAt,
  };
  writeManifest(dir, manifest);
  return entries;
}

/** Runs one two-token forward pass, so a variant that cannot run fails here and not in the shared evaluation pass. */
async function checkRuns(onnxPath: string, config: ModelConfig, options: CompressOptions): Promise<void> {
  const session = await ort.InferenceSession.create(onnxPath, {
    executionProviders: [options.executionProvider],
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
  });
  try {
    const runner = new DecoderRunner(session, decoderShapeOf(config));
    await runner.forward([[config.bosTokenId, config.bosTokenId]], runner.emptyPast(1), 0);
  } finally {
    await session.release();
  }
}

function loadCalibrationIfPresent(
  storiesPath: string,
  tokenizerDir: string,
  maxLength: number,
  bosTokenId: number,
  count: number,
  log: Logger,
): CalibrationSet | undefined {
  if (!existsSync(storiesPath)) {
    log.warn({ storiesPath }, 'story file not found; recipes that need calibration data are left out');
    return undefined;
  }
  return subsetCalibration(loadCalibrationSet({ textPath: storiesPath, tokenizerDir, maxLength, bosTokenId }), count);
}
