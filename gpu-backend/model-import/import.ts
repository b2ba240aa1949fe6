/**
 * `importLlama2c`: a llama2.c checkpoint and tokenizer → a Hugging Face-style model folder:
 *
 *   config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
 *   special_tokens_map.json, onnx/model.onnx (+ onnx/model.onnx_data for > 2 GB), slimgate.json
 *
 * The folder is assembled in a temporary sibling directory and renamed into place, so a failed
 * import leaves nothing behind and readers never see half a folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { saveModel, sha256File } from '../onnx/model-io.js';
import { IR_VERSION } from '../onnx/types.js';
import { convertTokenizer } from './hf-tokenizer.js';
import { generationConfig, llamaHfConfig, type LlamaHfConfig } from './hf-config.js';
import { readLlama2cCheckpoint } from './llama2c.js';
import { BOS_ID, EOS_ID, readLlama2cTokenizer } from './llama2c-tokenizer.js';
import {
  buildLlamaModel,
  INPUT_NAMES,
  llamaConfigFromLlama2c,
  llamaWeightsFromLlama2c,
  OPSET_VERSION,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from './llama-graph.js';

/** Bumped whenever the produced folder changes meaning; caches re-import on a mismatch. */
export const IMPORTER_VERSION = 2;
export const ONNX_MODEL_PATH = 'onnx/model.onnx';
export const PROVENANCE_FILE = 'slimgate.json';

export interface ImportLlama2cOptions {
  checkpointPath: string;
  tokenizerPath: string;
  outDir: string;
  modelId: string;
  logger?: Logger;
  /** Replace an existing folder at outDir (default true); when false an existing folder is an error. */
  overwrite?: boolean;
  /** External data for the ONNX weights: 'auto' (only past 2 GB, default), always, or never. */
  externalData?: boolean | 'auto';
  /** Passed to the ONNX writer; lets tests force external data on a small model. */
  externalDataMinTensorBytes?: number;
}

export interface SourceFileRecord {
  file: string;
  sha256: string;
  bytes: number;
}

export interface SlimgateProvenance {
  format: 'slimgate-model';
  formatVersion: 1;
  modelId: string;
  architecture: 'llama';
  source: { format: 'llama2.c'; checkpoint: SourceFileRecord; tokenizer: SourceFileRecord };
  importer: { name: string; version: number };
  onnx: {
    path: string;
    externalData: string | null;
    opset: number;
    irVersion: number;
    inputs: string[];
    outputs: string[];
  };
  generation: { bosTokenId: number; eosTokenId: number; stopTokenIds: number[]; maxPositions: number };
  /** sha256 of every other file in the folder, by relative path. */
  files: Record<string, string>;
  importedAt: string;
}

export interface ImportResult {
  outDir: string;
  config: LlamaHfConfig;
  provenance: SlimgateProvenance;
}

function sourceRecord(path: string): SourceFileRecord {
  return { file: basename(path), sha256: sha256File(path), bytes: statSync(path).size };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Imports a llama2.c model; resolves to the final folder once it is in place. */
export async function importLlama2c(options: ImportLlama2cOptions): Promise<ImportResult> {
  const log = (options.logger ?? silentLogger).child({ component: 'model-import', modelId: options.modelId });
  const outDir = resolve(options.outDir);
  if (!options.modelId || /[\s/\\]/.test(options.modelId)) throw new Error(`invalid model id ${JSON.stringify(options.modelId)}`);
  if (existsSync(outDir) && options.overwrite === false) throw new Error(`${outDir} already exists`);
  for (const [what, path] of [
    ['checkpoint', options.checkpointPath],
    ['tokenizer', options.tokenizerPath],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${what} file not found: ${path}`);
  }

  const started = Date.now();
  log.info({ checkpoint: options.checkpointPath, tokenizer: options.tokenizerPath, outDir }, 'import started');
  const checkpoint = readLlama2cCheckpoint(options.checkpointPath);
  const c = checkpoint.config;
  log.info(
    {
      dim: c.dim,
      hiddenDim: c.hiddenDim,
      layers: c.nLayers,
      heads: c.nHeads,
      kvHeads: c.nKvHeads,
      vocab: c.vocabSize,
      seqLen: c.seqLen,
      sharedClassifier: c.sharedClassifier,
    },
    'checkpoint read',
  );
  const tokenizer = readLlama2cTokenizer(options.tokenizerPath, c.vocabSize);
  const source = { checkpoint: sourceRecord(options.checkpointPath), tokenizer: sourceRecord(options.tokenizerPath) };
  const hfTokenizer = convertTokenizer(tokenizer, { modelMaxLength: c.seqLen });
  log.info({ vocab: hfTokenizer.vocab.length, merges: hfTokenizer.merges.length }, 'tokenizer converted');

  const graphConfig = llamaConfigFromLlama2c(checkpoint);
  const model = buildLlamaModel(graphConfig, llamaWeightsFromLlama2c(checkpoint), {
    producerVersion: String(IMPORTER_VERSION),
    docString: `${options.modelId}: llama2.c checkpoint ${source.checkpoint.file} imported by slimgate`,
  });
  log.info({ nodes: model.graph?.node?.length ?? 0, initializers: model.graph?.initializer?.length ?? 0 }, 'onnx graph built');

  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const tmpDir = join(parent, `.${basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(tmpDir, 'onnx'), { recursive: true });
  try {
    const saved = saveModel(model, join(tmpDir, ONNX_MODEL_PATH), {
      externalData: options.externalData ?? 'auto',
      ...(options.externalDataMinTensorBytes !== undefined ? { minTensorBytes: options.externalDataMinTensorBytes } : {}),
    });
    log.info({ bytes: saved.modelBytes, externalTensors: saved.externalTensors }, 'onnx model written');

    const config = llamaHfConfig(c);
    writeJson(join(tmpDir, 'config.json'), config);
    writeJson(join(tmpDir, 'generation_config.json'), generationConfig(c));
    writeJson(join(tmpDir, 'tokenizer.json'), hfTokenizer.tokenizerJson);
    writeJson(join(tmpDir, 'tokenizer_config.json'), hfTokenizer.tokenizerConfig);
    writeJson(join(tmpDir, 'special_tokens_map.json'), { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });

    const files: Record<string, string> = {};
    const written = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', ONNX_MODEL_PATH];
    if (saved.externalDataPath) written.push(`onnx/${basename(saved.externalDataPath)}`);
    for (const rel of written) files[rel] = sha256File(join(tmpDir, rel));

    const provenance: SlimgateProvenance = {
      format: 'slimgate-model',
      formatVersion: 1,
      modelId: options.modelId,
      architecture: 'llama',
      source: { format: 'llama2.c', ...source },
      importer: { name: 'slimgate/model-import', version: IMPORTER_VERSION },
      onnx: {
        path: ONNX_MODEL_PATH,
        externalData: saved.externalDataPath ? `onnx/${basename(saved.externalDataPath)}` : null,
        opset: OPSET_VERSION,
        irVersion: IR_VERSION,
        inputs: (model.graph?.input ?? []).map((i) => i.name ?? ''),
        outputs: (model.graph?.output ?? []).map((o) => o.name ?? ''),
      },
      generation: { bosTokenId: BOS_ID, eosTokenId: EOS_ID, stopTokenIds: [EOS_ID, BOS_ID], maxPositions: c.seqLen },
      files,
      importedAt: new Date().toISOString(),
    };
    writeJson(join(tmpDir, PROVENANCE_FILE), provenance);

    replaceDir(tmpDir, outDir, options.overwrite !== false);
    log.info({ outDir, ms: Date.now() - started }, 'import finished');
    return { outDir, config, provenance };
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    log.error({ err: error }, 'import failed');
    throw error;
  }
}

/** Moves `from` to `to`; an existing `to` is swapped out first and removed after. */
export function replaceDir(from: string, to: string, overwrite: boolean): void {
  if (!existsSync(to)) {
    renameSync(from, to);
    return;
  }
  if (!overwrite) throw new Error(`${to} already exists`);
  const old = `${to}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  renameSync(to, old);
  try {
    renameSync(from, to);
  } catch (error) {
    renameSync(old, to);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

export { INPUT_NAMES, pastKeyName, pastValueName, presentKeyName, presentValueName };
