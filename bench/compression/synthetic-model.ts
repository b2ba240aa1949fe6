/**
 * A Llama decoder of realistic size with seeded random weights, for speed and memory only:
 * weight values do not change how long a MatMul takes. The folder mirrors an imported one
 * (config.json, tokenizer files copied from an imported model, onnx/model.onnx).
 */

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { buildLlamaModel, type LlamaGraphConfig, type LlamaWeights } from '../../gpu-backend/model-import/llama-graph.js';
import { saveModel } from '../../gpu-backend/onnx/model-io.js';

/** dim 1024, 8 layers, SwiGLU hidden 2816, 16 heads, vocab 512: 103.8M parameters. */
export const LARGE_CONFIG: LlamaGraphConfig = {
  hiddenSize: 1024,
  intermediateSize: 2816,
  numLayers: 8,
  numHeads: 16,
  numKvHeads: 16,
  vocabSize: 512,
  headDim: 64,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
};

export function parameterCount(config: LlamaGraphConfig): number {
  const { hiddenSize: d, intermediateSize: h, numHeads, numKvHeads, headDim, vocabSize: v } = config;
  const attention = d * numHeads * headDim * 2 + d * numKvHeads * headDim * 2;
  const perLayer = attention + 3 * d * h + 2 * d;
  return config.numLayers * perLayer + 2 * v * d + d;
}

/** Uniform values in ±scale from a seeded xorshift generator. */
function randomMatrix(size: number, scale: number, state: { seed: number }): Float32Array {
  const out = new Float32Array(size);
  let x = state.seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 0xffffffff - 0.5) * 2 * scale;
  }
  state.seed = x >>> 0;
  return out;
}

export function randomWeights(config: LlamaGraphConfig, seed: number): LlamaWeights {
  const { hiddenSize: d, intermediateSize: h, numHeads, numKvHeads, headDim, vocabSize: v } = config;
  const state = { seed };
  // 1/sqrt(fan-in) keeps activations in a normal range through the layers.
  const matrix = (rows: number, cols: number): Float32Array => randomMatrix(rows * cols, 1 / Math.sqrt(rows), state);
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  return {
    embedTokens: randomMatrix(v * d, 1, state),
    layers: Array.from({ length: config.numLayers }, () => ({
      inputLayernorm: ones(d),
      qProj: matrix(d, numHeads * headDim),
      kProj: matrix(d, numKvHeads * headDim),
      vProj: matrix(d, numKvHeads * headDim),
      oProj: matrix(numHeads * headDim, d),
      postAttentionLayernorm: ones(d),
      gateProj: matrix(d, h),
      upProj: matrix(d, h),
      downProj: matrix(h, d),
    })),
    norm: ones(d),
    lmHead: matrix(d, v),
  };
}

/** Writes the model folder; `tokenizerDir` supplies tokenizer files with a matching vocabulary size. */
export function writeSyntheticModel(dir: string, config: LlamaGraphConfig, tokenizerDir: string, seed = 1234): void {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  saveModel(buildLlamaModel(config, randomWeights(config, seed)), path.join(dir, 'onnx', 'model.onnx'));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(tokenizerDir, file), path.join(dir, file));

  const hfConfig = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    head_dim: config.headDim,
    vocab_size: config.vocabSize,
    max_position_embeddings: 2048,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(hfConfig, null, 2)}\n`);
  writeFileSync(path.join(dir, 'slimgate.json'), `${JSON.stringify({ modelId: 'synthetic-llama-104m' })}\n`);
}
