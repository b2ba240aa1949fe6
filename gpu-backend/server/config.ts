/**
 * Backend configuration from command-line flags and environment variables; a flag wins over
 * its variable.
 *
 * | flag                   | variable           | default      | meaning                                    |
 * | ---------------------- | ------------------ | ------------ | ------------------------------------------ |
 * | --model-dir            | MODEL_DIR          | (see below)  | imported model folder                      |
 * | --model-id             | MODEL_ID           | stories260K  | model id served in the API                 |
 * | --host                 | HOST               | 127.0.0.1    | listen address                             |
 * | --port                 | PORT               | 8000         | listen port                                |
 * | --execution-provider   | EXECUTION_PROVIDER | cpu          | onnxruntime execution provider: cpu, cuda  |
 * | --intra-op-threads     | INTRA_OP_THREADS   | (onnxruntime)| threads inside one operator                |
 * | --max-queue            | MAX_QUEUE          | 64           | requests waiting before 503 overloaded     |
 * | --request-timeout-ms   | REQUEST_TIMEOUT_MS | 300000       | time limit per request before 504, in ms   |
 *
 * Without a model folder, `main.ts` imports the default model (stories260K) into the model cache
 * (SLIMGATE_CACHE_DIR, default `<repo>/.cache`) and serves it. This fallback needs MODEL_ID stories260K.
 */

import { parseArgs } from 'node:util';

import { isExecutionProvider, type ExecutionProvider } from '../runtime/execution-provider.js';

export interface BackendConfig {
  /** Undefined when neither MODEL_DIR nor --model-dir is set. */
  modelDir: string | undefined;
  modelId: string;
  host: string;
  port: number;
  executionProvider: ExecutionProvider;
  intraOpNumThreads: number | undefined;
  maxQueue: number;
  requestTimeoutMs: number;
}

const OPTIONS = {
  'model-dir': 'MODEL_DIR',
  'model-id': 'MODEL_ID',
  host: 'HOST',
  port: 'PORT',
  'execution-provider': 'EXECUTION_PROVIDER',
  'intra-op-threads': 'INTRA_OP_THREADS',
  'max-queue': 'MAX_QUEUE',
  'request-timeout-ms': 'REQUEST_TIMEOUT_MS',
} as const;

type OptionName = keyof typeof OPTIONS;

/** Parses `argv` (without the node and script paths) and `env`; throws with the option name on bad values. */
export function readBackendConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BackendConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }])),
    strict: true,
  });

  const read = (name: OptionName): string | undefined => {
    const value = (values[name] as string | undefined) ?? env[OPTIONS[name]];
    return value === '' ? undefined : value;
  };

  const executionProvider = read('execution-provider') ?? 'cpu';
  if (!isExecutionProvider(executionProvider)) {
    throw new Error(`Invalid EXECUTION_PROVIDER / --execution-provider '${executionProvider}': expected cpu or cuda.`);
  }

  const threads = read('intra-op-threads');
  return {
    modelDir: read('model-dir'),
    modelId: read('model-id') ?? 'stories260K',
    host: read('host') ?? '127.0.0.1',
    port: readInteger('port', read('port'), 8000, 1, 65_535),
    executionProvider,
    intraOpNumThreads: threads === undefined ? undefined : readInteger('intra-op-threads', threads, 1, 1, 1024),
    maxQueue: readInteger('max-queue', read('max-queue'), 64, 0, 1_000_000),
    requestTimeoutMs: readInteger('request-timeout-ms', read('request-timeout-ms'), 300_000, 1, 2_147_483_647),
  };
}

function readInteger(name: OptionName, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Invalid ${OPTIONS[name]} / --${name} '${raw}': expected an integer from ${min} to ${max}.`);
  }
  return value;
}
