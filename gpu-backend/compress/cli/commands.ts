/** The CLI commands: compress, deploy (compress, quality gate, promote) and rollback. */

import type { Logger } from '../../../src/log/logger.js';
import { promote, rollback, type Deployment } from '../deploy/deployment.js';
import { QualityGateError } from '../deploy/quality-gate.js';
import { compressModel, type CompressResult } from '../pipeline/compress-model.js';
import type { ProgressSink } from '../pipeline/progress.js';
import { formatTextTable } from '../report/variant-table.js';
import type { CliArguments } from './args.js';

export interface CommandIo {
  logger: Logger;
  progress: ProgressSink;
  /** Receives the result table and summary lines (stdout in the CLI). */
  print: (text: string) => void;
}

export async function runCompress(args: CliArguments, io: CommandIo): Promise<CompressResult> {
  const result = await compressModel({
    modelDir: args.modelDir,
    recipe: args.recipe,
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
