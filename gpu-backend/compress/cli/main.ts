/**
 * Entry of `npx slimgate`: parses the command line, runs the command and sets the exit code
 * (0 success, 1 failure, 2 invalid usage, 3 rejected by the quality gate).
 */

import { pino } from 'pino';

import type { Logger } from '../../../src/log/logger.js';
import { ExecutionProviderUnavailableError } from '../../runtime/execution-provider.js';
import { DeploymentError } from '../deploy/deployment.js';
import { QualityGateError } from '../deploy/quality-gate.js';
import { NotImplementedError } from '../methods/distill.js';
import { ParamError } from '../methods/params.js';
import { CorruptModelError, UnsupportedModelError } from '../pipeline/source-model.js';
import { RecipeError } from '../recipe.js';
import { parseCliArguments, USAGE, UsageError } from './args.js';
import { runCompress, runDeploy, runRollback, requireChosen, type CommandIo } from './commands.js';
import { createProgressDisplay } from './progress-display.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_QUALITY_GATE = 3;

/**
 * Errors that the user can fix from the message alone (bad input, model folder or deployment
 * state). The CLI prints only their message; a stack trace is logged for any other error.
 */
const EXPECTED_ERRORS = [
  QualityGateError,
  DeploymentError,
  UnsupportedModelError,
  CorruptModelError,
  RecipeError,
  ParamError,
  NotImplementedError,
  ExecutionProviderUnavailableError,
] as const;

/** Output streams of the CLI. Tests pass their own to capture what it writes. */
export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const PROCESS_OUTPUT: CliOutput = { stdout: process.stdout, stderr: process.stderr };

export async function main(argv: readonly string[], output: CliOutput = PROCESS_OUTPUT): Promise<number> {
  let args;
  try {
    args = parseCliArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.stderr.write(`slimgate: ${error.message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (args === 'help') {
    output.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // Logs go to stderr so stdout carries only the result table.
  const logger: Logger = pino({ level: args.verbose ? 'info' : 'warn', base: { service: 'slimgate-cli' } }, output.stderr);
  const io: CommandIo = { logger, progress: createProgressDisplay(), print: (text) => output.stdout.write(`${text}\n`) };

  try {
    if (args.command === 'compress') requireChosen(await runCompress(args, io));
    else if (args.command === 'deploy') await runDeploy(args, io);
    else runRollback(args, io);
    return 0;
  } catch (error) {
    const expected = EXPECTED_ERRORS.some((errorClass) => error instanceof errorClass);

    // The JSON line with the stack trace helps only with bugs; --verbose shows it for every error.
    if (!expected || args.verbose) logger.error({ err: error, command: args.command, modelDir: args.modelDir }, 'command failed');

    if (error instanceof QualityGateError) {
      output.stderr.write(`slimgate: ${error.message}\n`);
      return EXIT_QUALITY_GATE;
    }
    output.stderr.write(`slimgate ${args.command}: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
