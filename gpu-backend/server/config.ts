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
 * | --max-queue            | MAX_QUEUE          | 64           | requests waiting before 429 overloaded     |
 * | --max-batch-size       | MAX_BATCH_SIZE     | 64           | sequences per decode step                  |
 * | --max-tokens-per-step  | MAX_TOKENS_PER_STEP| 512          | input tokens per scheduler iteration       |
 * | --request-timeout-ms   | REQUEST_TIMEOUT_MS | 300000       | time limit per request before 504, in ms   |
 * | --deployment-poll-ms   | DEPLOYMENT_POLL_MS | 1000         | mtime poll interval of deployment.json     |
 * | --embedding-models     | EMBEDDING_MODELS   | (none)       | `id=folder` list, comma-separated          |
 *
 * An embedding folder is either an ONNX sentence-embedding model (`tokenizer.json` and
 * `onnx/model.onnx`) or a GloVe table (`vectors.txt` and `word-counts.tsv`).
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
  maxBatchSize: number;
  maxTokensPerStep: number;
  requestTimeoutMs: number;
  deploymentPollMs: number;
  /** Embedding model id to folder, in the order given. */
  embeddingModels: { id: string; dir: string }[];
}

const OPTIONS = {
  'model-dir': 'MODEL_DIR',
  'model-id': 'MODEL_ID',
  host: 'HOST',
  port: 'PORT',
  'execution-provider': 'EXECUTION_PROVIDER',
  'intra-op-threads': 'INTRA_OP_THREADS',
  'max-queue': 'MAX_QUEUE',
  'max-batch-size': 'MAX_BATCH_SIZE',
  'max-tokens-per-step': 'MAX_TOKENS_PER_STEP',
  'request-timeout-ms': 'REQUEST_TIMEOUT_MS',
  'deployment-poll-ms': 'DEPLOYMENT_POLL_MS',
  'embedding-models': 'EMBEDDING_MODELS',
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
  const maxBatchSize = readInteger('max-batch-size', read('max-batch-size'), 64, 1, 4096);
  const maxTokensPerStep = readInteger('max-tokens-per-step', read('max-tokens-per-step'), 512, 2, 1_000_000);
  if (maxTokensPerStep <= maxBatchSize) {
    throw new Error(`Invalid MAX_TOKENS_PER_STEP / --max-tokens-per-step ${maxTokensPerStep}: it must exceed MAX_BATCH_SIZE (${maxBatchSize}).`);
  }

  return {
    modelDir: read('model-dir'),
    modelId: read('model-id') ?? 'stories260K',
    host: read('host') ?? '127.0.0.1',
    port: readInteger('port', read('port'), 8000, 1, 65_535),
    executionProvider,
    intraOpNumThreads: threads === undefined ? undefined : readInteger('intra-op-threads', threads, 1, 1, 1024),
    maxQueue: readInteger('max-queue', read('max-queue'), 64, 0, 1_000_000),
    maxBatchSize,
    maxTokensPerStep,
    requestTimeoutMs: readInteger('request-timeout-ms', read('request-timeout-ms'), 300_000, 1, 2_147_483_647),
    deploymentPollMs: readInteger('deployment-poll-ms', read('deployment-poll-ms'), 1000, 10, 3_600_000),
    embeddingModels: readEmbeddingModels(read('embedding-models')),
  };
}

/** Parses `id=folder,id=folder`; ids must be unique. */
function readEmbeddingModels(raw: string | undefined): { id: string; dir: string }[] {
  if (raw === undefined) return [];
  const models = raw.split(',').map((entry) => {
    const separator = entry.indexOf('=');
    const id = entry.slice(0, separator).trim();
    const dir = entry.slice(separator + 1).trim();
    if (separator <= 0 || id === '' || dir === '') {
      throw new Error(`Invalid EMBEDDING_MODELS / --embedding-models entry '${entry}': expected id=folder.`);
    }
    return { id, dir };
  });
  const ids = new Set(models.map((model) => model.id));
  if (ids.size !== models.length) throw new Error(`Invalid EMBEDDING_MODELS / --embedding-models '${raw}': model ids must be unique.`);
  return models;
}

function readInteger(name: OptionName, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Invalid ${OPTIONS[name]} / --${name} '${raw}': expected an integer from ${min} to ${max}.`);
  }
  return value;
}
