/** Hugging Face `config.json` and `generation_config.json` for an imported llama2.c model. */
import type { Llama2cConfig } from './llama2c.js';
import { BOS_ID, EOS_ID } from './llama2c-tokenizer.js';

export interface LlamaHfConfig {
  architectures: ['LlamaForCausalLM'];
  model_type: 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  vocab_size: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  rope_scaling: null;
  hidden_act: 'silu';
  attention_bias: false;
  attention_dropout: number;
  mlp_bias: false;
  initializer_range: number;
  pretraining_tp: number;
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id: null;
  tie_word_embeddings: boolean;
  torch_dtype: 'float32';
  use_cache: true;
}

export const RMS_NORM_EPS = 1e-5;
export const ROPE_THETA = 10000;

export function llamaHfConfig(c: Llama2cConfig): LlamaHfConfig {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: c.dim,
    intermediate_size: c.hiddenDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headSize,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.seqLen,
    rms_norm_eps: RMS_NORM_EPS,
    rope_theta: ROPE_THETA,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0,
    mlp_bias: false,
    initializer_range: 0.02,
    pretraining_tp: 1,
    bos_token_id: BOS_ID,
    eos_token_id: EOS_ID,
    pad_token_id: null,
    tie_word_embeddings: c.sharedClassifier,
    torch_dtype: 'float32',
    use_cache: true,
  };
}

/**
 * Generation defaults. llama2.c's TinyStories models end a story by predicting BOS (run.c stops
 * when it samples token 1), so both BOS and EOS are listed as stop tokens, as a list, the way
 * transformers accepts several end tokens.
 */
export function generationConfig(c: Llama2cConfig): Record<string, unknown> {
  return {
    bos_token_id: BOS_ID,
    eos_token_id: [EOS_ID, BOS_ID],
    max_length: c.seqLen,
    do_sample: false,
  };
}
