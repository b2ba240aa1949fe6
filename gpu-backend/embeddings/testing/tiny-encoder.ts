/**
 * Writes a tiny BERT-like sentence-embedding folder for tests: a WordLevel `tokenizer.json`
 * (lowercase, whitespace split, `[CLS] text [SEP]`) and `onnx/model.onnx` computing
 * last_hidden_state = tanh((word_embedding[input_ids] + type_embedding[token_type_ids]) @ W) * attention_mask.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { DataType, GraphBuilder, saveModel } from '../../onnx/index.js';

export const TINY_WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'a', 'big', 'red', 'ball', 'park'] as const;
export const TINY_HIDDEN = 8;
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
export const TINY_VOCAB = [...SPECIALS, ...TINY_WORDS];

/** Deterministic weights in [-1, 1), distinct per index. */
function weight(seed: number, index: number): number {
  return Math.sin(seed * 12.9898 + index * 78.233) % 1;
}

export const tinyWordEmbedding = (): Float32Array => Float32Array.from({ length: TINY_VOCAB.length * TINY_HIDDEN }, (_, i) => weight(1, i));
export const tinyTypeEmbedding = (): Float32Array => Float32Array.from({ length: 2 * TINY_HIDDEN }, (_, i) => weight(2, i) * 0.1);
export const tinyProjection = (): Float32Array => Float32Array.from({ length: TINY_HIDDEN * TINY_HIDDEN }, (_, i) => weight(3, i));

/** Computes one token's hidden state the way the graph does, for checking pooled outputs. */
export function tinyHiddenState(tokenId: number): Float32Array {
  const words = tinyWordEmbedding();
  const types = tinyTypeEmbedding();
  const projection = tinyProjection();
  const input = Array.from({ length: TINY_HIDDEN }, (_, i) => words[tokenId * TINY_HIDDEN + i]! + types[i]!);
  return Float32Array.from({ length: TINY_HIDDEN }, (_, j) => Math.tanh(input.reduce((sum, x, i) => sum + x * projection[i * TINY_HIDDEN + j]!, 0)));
}

export async function writeTinyEncoder(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'onnx'), { recursive: true });

  const b = new GraphBuilder('tiny_encoder');
  const inputIds = b.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = b.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  const tokenTypes = b.input('token_type_ids', DataType.INT64, ['batch', 'sequence']);
  const words = b.addFloatInitializer('embeddings.word_embeddings.weight', [TINY_VOCAB.length, TINY_HIDDEN], tinyWordEmbedding());
  const types = b.addFloatInitializer('embeddings.token_type_embeddings.weight', [2, TINY_HIDDEN], tinyTypeEmbedding());
  const projection = b.addFloatInitializer('encoder.dense.weight', [TINY_HIDDEN, TINY_HIDDEN], tinyProjection());

  const embedded = b.op('Add', [b.op('Gather', [words, inputIds], { axis: 0 }), b.op('Gather', [types, tokenTypes], { axis: 0 })]);
  const hidden = b.op('Tanh', [b.op('MatMul', [embedded, projection])]);
  const maskColumn = b.op('Unsqueeze', [b.op('Cast', [mask], { to: DataType.FLOAT }), b.constInt64([-1])]);
  b.output('last_hidden_state', DataType.FLOAT, ['batch', 'sequence', TINY_HIDDEN], b.op('Mul', [hidden, maskColumn]));
  saveModel(b.buildModel({ opsetVersion: 21 }), path.join(dir, 'onnx', 'model.onnx'), { externalData: false });

  const vocab = Object.fromEntries(TINY_VOCAB.map((token, id) => [token, id]));
  const special = (id: number) => ({ id, content: TINY_VOCAB[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((_, id) => special(id)),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 16, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]' }));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: TINY_HIDDEN, matryoshka_dimensions: [4] }));
}
