/** Test helpers for the compress command line: parsed arguments and captured printed lines. */

import { silentLogger } from '../../../src/log/logger.js';
import { parseCliArguments, type CliArguments } from '../cli/args.js';
import type { CommandIo } from '../cli/commands.js';
import { silentProgress } from '../pipeline/progress.js';

/** Parses `argv` as a command, and throws when it is a help request instead. */
export function parseCommand(argv: string[]): CliArguments {
  const args = parseCliArguments(argv);
  if (args === 'help') throw new Error('unexpected help');
  return args;
}

/** Creates command IO with no logs or progress that appends each printed line to `printed`. */
export function captureOutput(): { io: CommandIo; printed: string[] } {
  const printed: string[] = [];
  return { io: { logger: silentLogger, progress: silentProgress, print: (text) => printed.push(text) }, printed };
}
