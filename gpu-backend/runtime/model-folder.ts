/**
 * Reads the metadata of an imported model folder (Hugging Face layout): `config.json` with
 * LlamaConfig fields, `slimgate.json` with the model id, and the path of `onnx/model.onnx`.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ModelConfig {
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** head_dim (hidden_size / num_attention_heads when absent): the last dimension of every KV-cache tensor. */
  headDim: number;
  vocabSize: number;
  /** max_position_embeddings: the maximum number of tokens (prompt plus completion) in one sequence. */
  contextLength: number;
  bosTokenId: number;
  eosTokenId: number;
}

export interface ModelFolder {
  dir: string;
  onnxPath: string;
  config: ModelConfig;
  /** Model id recorded by the importer in `slimgate.json`, if any. */
  modelId: string | undefined;
  /** Creation time of the import in Unix seconds, from `slimgate.json` when recorded there. */
  createdAt: number | undefined;
}

/** Reads and validates the folder's metadata; throws with the file and field name on bad input. */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const configPath = path.join(dir, 'config.json');
  const raw = await readJsonObject(configPath);

  const hiddenSize = requirePositiveInteger(raw, 'hidden_size', configPath);
  const numAttentionHeads = requirePositiveInteger(raw, 'num_attention_heads', configPath);
  const numKeyValueHeads = raw.num_key_value_heads === undefined ? numAttentionHeads : requirePositiveInteger(raw, 'num_key_value_heads', configPath);
  if (hiddenSize % numAttentionHeads !== 0) {
    throw new Error(`${configPath}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numAttentionHeads}`);
  }
  const headDim = raw.head_dim === undefined ? hiddenSize / numAttentionHeads : requirePositiveInteger(raw, 'head_dim', configPath);

  const config: ModelConfig = {
    hiddenSize,
    numHiddenLayers: requirePositiveInteger(raw, 'num_hidden_layers', configPath),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    vocabSize: requirePositiveInteger(raw, 'vocab_size', configPath),
    contextLength: requirePositiveInteger(raw, 'max_position_embeddings', configPath),
    bosTokenId: requireTokenId(raw, 'bos_token_id', configPath),
    eosTokenId: requireTokenId(raw, 'eos_token_id', configPath),
  };

  const provenance = await readProvenance(path.join(dir, 'slimgate.json'));
  return { dir, onnxPath: path.join(dir, 'onnx', 'model.onnx'), config, ...provenance };
}

/** Reads `slimgate.json`, written by the importer with `modelId` and an ISO-8601 `importedAt`. */
async function readProvenance(file: string): Promise<Pick<ModelFolder, 'modelId' | 'createdAt'>> {
  const raw = await readJsonObject(file);
  const modelId = typeof raw.modelId === 'string' ? raw.modelId : undefined;
  const importedAt = typeof raw.importedAt === 'string' ? Date.parse(raw.importedAt) : Number.NaN;
  return { modelId, createdAt: Number.isNaN(importedAt) ? undefined : Math.floor(importedAt / 1000) };
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must contain a JSON object`);
  return parsed as Record<string, unknown>;
}

function requirePositiveInteger(raw: Record<string, unknown>, field: string, file: string): number {
  const value = raw[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${file}: ${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function requireTokenId(raw: Record<string, unknown>, field: string, file: string): number {
  const value = raw[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${file}: ${field} must be a non-negative integer token id, got ${JSON.stringify(value)}`);
  }
  return value;
}
