/**
 * Builds a ready {@link Engine} from an imported model folder.
 */

import type { Logger } from '../../src/log/logger.js';
import { DecoderSession } from './decoder-session.js';
import { createInferenceSession, type SessionConfig } from './execution-provider.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { SerialEngine } from './serial-engine.js';
import { TextTokenizer } from './tokenizer.js';

export interface LoadEngineOptions extends SessionConfig {
  modelDir: string;
  /** Requests that may wait behind the running one; more are rejected as overloaded. */
  maxQueue: number;
  logger: Logger;
}

export interface LoadedEngine {
  engine: SerialEngine;
  folder: ModelFolder;
}

export async function loadEngine(options: LoadEngineOptions): Promise<LoadedEngine> {
  const folder = await readModelFolder(options.modelDir);
  const { config } = folder;

  const tokenizer = await TextTokenizer.load(folder.dir, config.vocabSize, { bosTokenId: config.bosTokenId, eosTokenId: config.eosTokenId });
  const session = await createInferenceSession(folder.onnxPath, options);
  const decoder = new DecoderSession(session, config);

  const engine = new SerialEngine({
    decoder,
    tokenizer,
    executionProvider: options.executionProvider,
    maxQueue: options.maxQueue,
    logger: options.logger,
  });
  options.logger.info(
    { modelDir: folder.dir, executionProvider: options.executionProvider, contextLength: config.contextLength, vocabSize: config.vocabSize },
    'model loaded',
  );
  return { engine, folder };
}
