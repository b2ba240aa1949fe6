/**
 * `tsx gpu-backend/compress/reselect/main.ts --metrics <export.json> --model <id> [options]`:
 * chooses the next compression recipe from recorded gateway metrics, writes the report, and
 * prints the recipe name as the last line of stdout, for `slimgate deploy --recipe <name>`.
 */

import path from 'node:path';
import { parseArgs } from 'node:util';

import { chooseRecipe, type ReselectOptions } from './choose-recipe.js';
import { writeReselectReport } from './reselect-report.js';
import { readTrafficProfile } from './traffic-profile.js';

const USAGE = `Usage: tsx gpu-backend/compress/reselect/main.ts --metrics <file> --model <id> [options]

  --metrics <file>            body of GET /admin/metrics?window=24h saved as JSON
  --model <id>                model whose traffic decides
  --execution-provider <ep>   cpu or cuda (default cpu)
  --latency-objective <s>     p95 request time objective in seconds (default 5)
  --quality-floor <x>         lowest acceptable quality score, 0 to 1 (default 0.8)
  --current-recipe <name>     recipe kept when there is too little traffic (default int8)
  --min-requests <n>          requests needed before the traffic counts (default 100)
  --out <folder>              where reselect-report.json and .md go (default the current folder)`;

function main(argv: readonly string[]): void {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      metrics: { type: 'string' },
      model: { type: 'string' },
      'execution-provider': { type: 'string' },
      'latency-objective': { type: 'string' },
      'quality-floor': { type: 'string' },
      'current-recipe': { type: 'string' },
      'min-requests': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true || values.metrics === undefined || values.model === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help === true ? 0 : 2;
    return;
  }

  const executionProvider = values['execution-provider'] ?? 'cpu';
  if (executionProvider !== 'cpu' && executionProvider !== 'cuda') throw new Error(`--execution-provider must be cpu or cuda, got ${executionProvider}.`);
  const options: ReselectOptions = {
    executionProvider,
    latencyObjectiveSeconds: readNumber(values['latency-objective'], '--latency-objective', 5),
    qualityFloor: readNumber(values['quality-floor'], '--quality-floor', 0.8),
    minRequests: readNumber(values['min-requests'], '--min-requests', 100),
    ...(values['current-recipe'] === undefined ? {} : { currentRecipe: values['current-recipe'] }),
  };

  const profile = readTrafficProfile(values.metrics, values.model);
  const choice = chooseRecipe(profile, options);
  const files = writeReselectReport(path.resolve(values.out ?? '.'), { choice, profile, options, createdAt: new Date().toISOString() });

  for (const reason of choice.reasons) process.stderr.write(`${reason}\n`);
  process.stderr.write(`wrote ${files.markdown} and ${files.json}\n`);
  process.stdout.write(`${choice.recipe}\n`);
}

function readNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`${name} must be a non-negative number, got ${value}.`);
  return number;
}

main(process.argv.slice(2));
