/**
 * Fixtures for the compression tests: a one-MatMul graph with seeded weights, an onnxruntime run
 * helper, and the imported stories260K model with its calibration set and tokenizer.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { silentLogger } from '../../../src/log/logger.js';
import { GraphBuilder } from '../../onnx/builder.js';
import { loadModel, writeModel } from '../../onnx/model-io.js';
import { DataType, type OnnxModel } from '../../onnx/types.js';
import { importLlama2c } from '../../model-import/import.js';
import type { DecoderShape } from '../../model-import/ort-harness.js';
import { loadCalibrationSet, type CalibrationSet } from '../calibration/calibration-set.js';
import type { MethodContext } from '../method.js';

/** Deterministic uniform values in [-1, 1) (a 32-bit linear congruential generator). */
export function seededValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** `y = x · W` with x float32 [batch, seq, K] and W `[K, N]` named `model.layers.0.mlp.up_proj.weight`. */
export function singleMatMulModel(k: number, n: number, weight: Float32Array, weightName = 'model.layers.0.mlp.up_proj.weight'): OnnxModel {
  const b = new GraphBuilder();
  const x = b.input('x', DataType.FLOAT, ['batch', 'seq', k]);
  const w = b.addFloatInitializer(weightName, [k, n], weight);
  b.op('MatMul', [x, w], {}, { output: 'y' });
  b.output('y', DataType.FLOAT, ['batch', 'seq', n]);
  return b.buildModel({ opsetVersion: 21 });
}

/** Row-major `[rows, K] · [K, N]` in float64. */
export function referenceMatMul(x: Float32Array, w: Float32Array, rows: number, k: number, n: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[r * n + j]! += x[r * k + i]! * w[i * n + j]!;
  return out;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export async function runModel(
  model: OnnxModel,
  feeds: Record<string, ort.Tensor>,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(writeModel(model), options);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export function testContext(workDir = mkdtempSync(join(tmpdir(), 'slimgate-compress-')), calibration?: CalibrationSet): MethodContext {
  return { logger: silentLogger, executionProvider: 'cpu', workDir, ...(calibration ? { calibration } : {}) };
}

const SHARED = new URL('../../../../shared/', import.meta.url).pathname;

export interface Stories260k {
  dir: string;
  model: OnnxModel;
  shape: DecoderShape;
  calibration: CalibrationSet;
  /** The Hugging Face tokenizer written by the import. */
  tokenizer: Tokenizer;
}

/** Imports stories260K into a temporary folder, loads its tokenizer and encodes calibration stories 1–200. */
export async function importStories260k(): Promise<Stories260k> {
  const dir = join(mkdtempSync(join(tmpdir(), 'slimgate-compress-stories-')), 'stories260K');
  const { config } = await importLlama2c({
    checkpointPath: join(SHARED, 'models/stories260K/stories260K.bin'),
    tokenizerPath: join(SHARED, 'models/stories260K/tok512.bin'),
    outDir: dir,
    modelId: 'stories260K',
  });
  const calibration = loadCalibrationSet({
    textPath: join(SHARED, 'data/tinystories/validation-first-1000.txt'),
    tokenizerDir: dir,
    maxLength: config.max_position_embeddings,
    bosTokenId: config.bos_token_id,
  });
  return {
    dir,
    model: loadModel(join(dir, 'onnx/model.onnx')),
    shape: { numLayers: config.num_hidden_layers, numKvHeads: config.num_key_value_heads, headDim: config.head_dim, vocabSize: config.vocab_size },
    calibration,
    tokenizer: loadModelTokenizer(dir),
  };
}

/** Loads the `tokenizer.json` and `tokenizer_config.json` that the importer wrote into `modelDir`. */
function loadModelTokenizer(modelDir: string): Tokenizer {
  return new Tokenizer(
    JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(modelDir, 'tokenizer_config.json'), 'utf8')),
  );
}

export const SHARED_DIR = SHARED;
