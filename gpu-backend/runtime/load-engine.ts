/**
 * Builds a ready {@link Engine} from an imported model folder: the continuous-batching
 * {@link BatchEngine} by default, or the one-at-a-time {@link SerialEngine} for comparison.
 */

import type { Logger } from '../../src/log/logger.js';
import { loadBatchDecoder, type BatchDecoder } from './batch-decoder.js';
import { BatchEngine } from './batch-engine.js';
import type { SessionConfig } from './execution-provider.js';
import type { BackendMetrics } from './metrics/backend-metrics.js';
import { resolveActiveModel, type ActiveModel } from './model-deployment.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { SerialEngine } from './serial-engine.js';
import { TextTokenizer } from './tokenizer.js';

export interface LoadEngineOptions extends SessionConfig {
  modelDir: string;
  /** Requests that may wait beyond the free batch rows; more are rejected as overloaded. */
  maxQueue: number;
  /** Maximum sequences per decode step (default 64). */
  maxBatchSize?: number | undefined;
  /** Maximum input tokens per scheduler iteration, decode rows plus prefill (default 512). */
  maxTokensPerStep?: number | undefined;
  logger: Logger;
  metrics?: BackendMetrics | undefined;
}

export interface LoadedEngine {
  engine: BatchEngine;
  folder: ModelFolder;
  /** Loads `model` with the same session options and swaps it in for new sequences. */
  swapModel(model: ActiveModel): Promise<void>;
}

export const DEFAULT_MAX_BATCH_SIZE = 64;
export const DEFAULT_MAX_TOKENS_PER_STEP = 512;

export async function loadEngine(options: LoadEngineOptions): Promise<LoadedEngine> {
  const folder = await readModelFolder(options.modelDir);
  const { config } = folder;
  const tokenizer = await loadTokenizer(folder);
  const active = await resolveActiveModel(folder.dir);
  const decoder = await loadBatchDecoder(active.onnxPath, config, options);

  const engine = new BatchEngine({
    decoder,
    tokenizer,
    executionProvider: options.executionProvider,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    maxQueue: options.maxQueue,
    maxTokensPerStep: options.maxTokensPerStep ?? DEFAULT_MAX_TOKENS_PER_STEP,
    logger: options.logger,
    metrics: options.metrics,
  });
  options.metrics?.watchEngine(() => engine.status());
  options.logger.info(
    { modelDir: folder.dir, onnxPath: active.onnxPath, executionProvider: options.executionProvider, contextLength: config.contextLength, vocabSize: config.vocabSize },
    'model loaded',
  );

  const swapModel = async (model: ActiveModel): Promise<void> => {
    let next: BatchDecoder;
    try {
      next = await loadBatchDecoder(model.onnxPath, config, options);
      engine.swapModel(next);
    } catch (error) {
      options.metrics?.modelSwaps.inc({ result: 'failed' });
      throw error;
    }
    options.metrics?.modelSwaps.inc({ result: 'loaded' });
    options.logger.info({ onnxPath: model.onnxPath, source: model.source }, 'model swapped in for new requests');
  };
  return { engine, folder, swapModel };
}

/** Loads the folder's default ONNX file into a {@link SerialEngine}, which runs one request at a time. */
export async function loadSerialEngine(options: LoadEngineOptions): Promise<{ engine: SerialEngine; folder: ModelFolder }> {
  const folder = await readModelFolder(options.modelDir);
  const tokenizer = await loadTokenizer(folder);
  const engine = new SerialEngine({
    decoder: await loadBatchDecoder(folder.onnxPath, folder.config, options),
    tokenizer,
    executionProvider: options.executionProvider,
    maxQueue: options.maxQueue,
    logger: options.logger,
  });
  return { engine, folder };
}

async function loadTokenizer(folder: ModelFolder): Promise<TextTokenizer> {
  const { config } = folder;
  return TextTokenizer.load(folder.dir, config.vocabSize, { bosTokenId: config.bosTokenId, eosTokenId: config.eosTokenId });
}
