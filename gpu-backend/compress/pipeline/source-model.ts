/**
 * Checks that a model folder contains a Llama decoder that the compression pipeline supports,
 * before anything is written, and returns its parsed ONNX graph and sha256.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import * as ort from 'onnxruntime-node';

import { loadModel, sha256File } from '../../onnx/model-io.js';
import type { OnnxModel } from '../../onnx/types.js';
import { readModelFolder, type ModelFolder } from '../../runtime/model-folder.js';

export const SOURCE_ONNX_FILE = path.join('onnx', 'model.onnx');

/** The folder is not a model this pipeline compresses (wrong architecture or layout). */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

/** The model files exist but cannot be read (truncated or damaged). */
export class CorruptModelError extends Error {
  override name = 'CorruptModelError';
}

export interface SourceModel {
  folder: ModelFolder;
  onnxPath: string;
  model: OnnxModel;
  sha256: string;
}

export async function readSourceModel(modelDir: string): Promise<SourceModel> {
  const dir = path.resolve(modelDir);
  const configPath = path.join(dir, 'config.json');
  if (!existsSync(configPath)) throw new UnsupportedModelError(`${dir} is not a model folder: config.json not found`);

  const modelType = readModelType(configPath);
  if (modelType !== 'llama') {
    throw new UnsupportedModelError(`${configPath}: model_type ${JSON.stringify(modelType)} is not supported; only Llama decoders (model_type "llama") can be compressed`);
  }

  let folder: ModelFolder;
  try {
    folder = await readModelFolder(dir);
  } catch (error) {
    throw new UnsupportedModelError(`${dir} is not a usable model folder: ${(error as Error).message}`, { cause: error });
  }

  const onnxPath = path.join(dir, SOURCE_ONNX_FILE);
  if (!existsSync(onnxPath)) throw new UnsupportedModelError(`${onnxPath} not found: import the model first (npm run import-model)`);

  // An empty file parses as an empty protobuf message, which would be reported as a graph without inputs.
  if (statSync(onnxPath).size === 0) throw new CorruptModelError(`${onnxPath} is not a readable ONNX model (the file is empty); re-import or re-download it`);

  let model: OnnxModel;
  try {
    model = loadModel(onnxPath);
  } catch (error) {
    throw new CorruptModelError(`${onnxPath} is not a readable ONNX model (${(error as Error).message}); re-import or re-download it`, { cause: error });
  }
  checkDecoderSignature(model, onnxPath, folder.config.numHiddenLayers);

  // onnxruntime checks what parsing cannot: tensor sizes, operator types and shapes.
  try {
    const session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'disabled' });
    await session.release();
  } catch (error) {
    throw new CorruptModelError(`onnxruntime failed to load ${onnxPath} (${(error as Error).message}); re-import or re-download it`, { cause: error });
  }

  return { folder, onnxPath, model, sha256: sha256File(onnxPath) };
}

function readModelType(configPath: string): unknown {
  try {
    return (JSON.parse(readFileSync(configPath, 'utf8')) as { model_type?: unknown }).model_type;
  } catch (error) {
    throw new UnsupportedModelError(`${configPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function checkDecoderSignature(model: OnnxModel, onnxPath: string, layers: number): void {
  const inputs = new Set((model.graph?.input ?? []).map((input) => input.name ?? ''));
  const outputs = new Set((model.graph?.output ?? []).map((output) => output.name ?? ''));
  const required = ['input_ids', 'attention_mask'];
  for (let layer = 0; layer < layers; layer++) required.push(`past_key_values.${layer}.key`, `past_key_values.${layer}.value`);
  const missingInputs = required.filter((name) => !inputs.has(name));
  const missingOutputs = ['logits', 'present.0.key'].filter((name) => !outputs.has(name));
  if (missingInputs.length > 0 || missingOutputs.length > 0) {
    throw new UnsupportedModelError(
      `${onnxPath} is not a decoder with past for ${layers} layers: missing inputs [${missingInputs.join(', ')}], missing outputs [${missingOutputs.join(', ')}]`,
    );
  }
}
