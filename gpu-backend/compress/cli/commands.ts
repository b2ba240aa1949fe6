/** The CLI commands: compress, deploy (compress, quality gate, promote) and rollback. */

import path from 'node:path';

import type { Logger } from '../../../src/log/logger.js';
import { readModelFolder } from '../../runtime/model-folder.js';
import { promote, readDeployment, rollback, type Deployment } from '../deploy/deployment.js';
import { QualityGateError } from '../deploy/quality-gate.js';
import { compressModel, type CompressResult } from '../pipeline/compress-model.js';
import type { ProgressSink } from '../pipeline/progress.js';
import { findNamedRecipe } from '../recipe.js';
import { formatTextTable } from '../report/variant-table.js';
import { chooseRecipe, type ReselectOptions } from '../reselect/choose-recipe.js';
import { writeReselectReport } from '../reselect/reselect-report.js';
import { readTrafficProfile } from '../reselect/traffic-profile.js';
import { FROM_METRICS_RECIPE, type CliArguments } from './args.js';

export interface CommandIo {
  logger: Logger;
  progress: ProgressSink;
  /** Receives the result table and summary lines (stdout in the CLI). */
  print: (text: string) => void;
}

export async function runCompress(args: CliArguments, io: CommandIo): Promise<CompressResult> {
  const recipe = args.recipe === FROM_METRICS_RECIPE ? await chooseRecipeFromMetrics(args, io) : args.recipe;
  const result = await compressModel({
    modelDir: args.modelDir,
    recipe,
    objective: args.objective,
    constraints: args.constraints,
    executionProvider: args.executionProvider,
    logger: io.logger,
    progress: io.progress,
    ...(args.storyCount === undefined ? {} : { storyCount: args.storyCount }),
    ...(args.pricePerHour === undefined ? {} : { pricePerHour: args.pricePerHour }),
    ...(args.maxRecipes === undefined ? {} : { maxRecipes: args.maxRecipes }),
    ...(args.threads === undefined ? {} : { intraOpNumThreads: args.threads }),
    ...(args.latency ? {} : { latency: null }),
  });

  io.print(formatTextTable([result.base, ...result.evaluated.map((entry) => entry.measurement)]));
  for (const failure of result.failed) io.print(`skipped ${failure.candidate.recipe.name}: ${failure.error}`);
  if (result.chosen) {
    io.print(`chosen: ${result.chosen.candidate.recipe.name} -> ${result.chosen.candidate.variantFile} (objective ${args.objective})`);
    for (const entry of result.written) io.print(`wrote ${entry.file}`);
  }
  return result;
}

/**
 * Chooses the recipe from the traffic in the `--metrics` export, writes
 * `<model-dir>/reselect-report.md` and `.json`, and prints the recipe with its reasons.
 */
export async function chooseRecipeFromMetrics(args: CliArguments, io: CommandIo): Promise<string> {
  const metrics = args.metrics;
  if (metrics === undefined) throw new Error(`--recipe ${FROM_METRICS_RECIPE} needs the --metrics settings; parse the arguments with parseCliArguments`);

  const folder = await readModelFolder(args.modelDir);
  const model = metrics.model ?? folder.modelId ?? path.basename(path.resolve(args.modelDir));
  // With too little traffic the active recipe stays; only a named recipe can be run again by name.
  const active = readDeployment(args.modelDir)?.recipe;
  const options: ReselectOptions = {
    executionProvider: args.executionProvider,
    latencyObjectiveSeconds: metrics.latencyObjectiveSeconds,
    qualityFloor: metrics.qualityFloor,
    minRequests: metrics.minRequests,
    ...(active !== undefined && findNamedRecipe(active) !== undefined ? { currentRecipe: active } : {}),
  };

  const profile = readTrafficProfile(metrics.file, model);
  const choice = chooseRecipe(profile, options);
  const files = writeReselectReport(path.resolve(args.modelDir), { choice, profile, options, createdAt: new Date().toISOString() });

  io.logger.info({ model, recipe: choice.recipe, regime: choice.regime, requests: profile.requests, metricsFile: metrics.file }, 'recipe chosen from metrics');
  io.print(`recipe from metrics: ${choice.recipe} (${profile.requests} requests of ${model}, traffic ${choice.regime})`);
  for (const reason of choice.reasons) io.print(`  ${reason}`);
  io.print(`wrote ${files.markdown} and ${files.json}`);
  return choice.recipe;
}

/** Throws {@link QualityGateError} when no variant meets the constraints, listing each one's reasons. */
export function requireChosen(result: CompressResult): NonNullable<CompressResult['chosen']> {
  if (result.chosen) return result.chosen;
  const reasons = result.selection.rejected.map((entry) => `${entry.variant.name}: ${entry.reasons.join(', ')}`);
  throw new QualityGateError(result.selection.rejected.length === 1 ? result.selection.rejected[0]!.variant.name : 'every candidate', reasons);
}

export async function runDeploy(args: CliArguments, io: CommandIo): Promise<Deployment> {
  const result = await runCompress(args, io);
  const chosen = requireChosen(result);
  const deployment = promote(result.modelDir, chosen.candidate.variantFile, chosen.candidate.recipe.name);
  io.logger.info({ active: deployment.active, previous: deployment.previous, recipe: deployment.recipe }, 'variant promoted');
  io.print(`deployed ${deployment.active} (recipe ${deployment.recipe}); previous ${deployment.previous ?? 'none'} kept for rollback`);
  return deployment;
}

export function runRollback(args: CliArguments, io: CommandIo): Deployment {
  const deployment = rollback(args.modelDir);
  io.logger.info({ active: deployment.active, previous: deployment.previous }, 'deployment rolled back');
  io.print(`rolled back: ${deployment.active} is active again (recipe ${deployment.recipe}); ${deployment.previous ?? 'none'} kept as previous`);
  return deployment;
}

export { QualityGateError };
