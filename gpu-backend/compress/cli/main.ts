/**
 * Entry of `npx slimgate`: parses the command line, runs the command and sets the exit code
 * (0 success, 1 failure, 2 invalid usage, 3 rejected by the quality gate).
 */

import { pino } from 'pino';

import type { Logger } from '../../../src/log/logger.js';
import { QualityGateError } from '../deploy/quality-gate.js';
import { parseCliArguments, USAGE, UsageError } from './args.js';
import { runCompress, runDeploy, runRollback, requireChosen, type CommandIo } from './commands.js';
import { createProgressDisplay } from './progress-display.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_QUALITY_GATE = 3;

export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseCliArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`slimgate: ${error.message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // Logs go to stderr so stdout carries only the result table.
  const logger: Logger = pino({ level: args.verbose ? 'info' : 'warn', base: { service: 'slimgate-cli' } }, pino.destination(2));
  const io: CommandIo = { logger, progress: createProgressDisplay(), print: (text) => process.stdout.write(`${text}\n`) };

  try {
    if (args.command === 'compress') requireChosen(await runCompress(args, io));
    else if (args.command === 'deploy') await runDeploy(args, io);
    else runRollback(args, io);
    return 0;
  } catch (error) {
    if (error instanceof QualityGateError) {
      process.stderr.write(`slimgate: ${error.message}\n`);
      return EXIT_QUALITY_GATE;
    }
    logger.error({ err: error, command: args.command, modelDir: args.modelDir }, 'command failed');
    process.stderr.write(`slimgate ${args.command}: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
