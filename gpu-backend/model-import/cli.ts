/**
 * CLI: import a llama2.c checkpoint into a model folder.
 *
 *   npm run import-model -- <checkpoint.bin> <tokenizer.bin> <out-dir> [--model-id <id>] [--external-data auto|always|never]
 *
 * Progress is logged as pino JSON lines on stdout; the exit code is 1 on failure.
 */
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { importLlama2c } from './import.js';

const USAGE =
  'usage: npm run import-model -- <checkpoint.bin> <tokenizer.bin> <out-dir> [--model-id <id>] [--external-data auto|always|never]';

/** Values of `--external-data`, as the `externalData` option of the import takes them. */
const EXTERNAL_DATA_MODES = new Map<string, boolean | 'auto'>([
  ['always', true],
  ['never', false],
  ['auto', 'auto'],
]);

async function main(argv: string[]): Promise<number> {
  const logger = pino({ base: { service: 'import-model' } });
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'model-id': { type: 'string' },
        'external-data': { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [checkpointPath, tokenizerPath, outDir, ...extra] = parsed.positionals;
  if (!checkpointPath || !tokenizerPath || !outDir || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const externalFlag = parsed.values['external-data'];
  const externalData = externalFlag === undefined ? undefined : EXTERNAL_DATA_MODES.get(externalFlag);
  if (externalData === undefined) {
    process.stderr.write(`--external-data must be auto, always or never\n${USAGE}\n`);
    return 2;
  }
  const modelId = parsed.values['model-id'] ?? basename(checkpointPath, extname(checkpointPath));
  try {
    const result = await importLlama2c({ checkpointPath, tokenizerPath, outDir, modelId, logger, externalData });
    logger.info({ outDir: result.outDir, files: Object.keys(result.provenance.files) }, 'model folder ready');
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'import failed');
    process.stderr.write(`import-model: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`import-model: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
