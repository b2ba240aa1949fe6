/**
 * The tokenizer used for perplexity: the model folder's `tokenizer.json` with `fuse_unk`
 * turned off, so every character outside the vocabulary becomes its own `<unk>` token, as
 * llama2.c's per-character lookup does. The reference perplexities of the shared models were
 * measured that way; fusing runs of unknown characters (the serving tokenizer's setting) gives
 * babyllama-tok105, whose vocabulary lacks a newline, 0.708 in place of 0.731 nats per token.
 * Vocabularies with byte fallback (stories260K) encode identically either way.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';

import type { StoryTokenizer } from './stories.js';

export async function loadEvaluationTokenizer(modelDir: string, bosTokenId: number): Promise<StoryTokenizer> {
  const tokenizerJson = JSON.parse(await readFile(path.join(modelDir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const tokenizerConfig = JSON.parse(await readFile(path.join(modelDir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;

  const model = tokenizerJson.model as Record<string, unknown> | undefined;
  if (model === undefined || typeof model !== 'object') throw new Error(`${modelDir}/tokenizer.json has no "model" object`);
  const tokenizer = new Tokenizer({ ...tokenizerJson, model: { ...model, fuse_unk: false } }, tokenizerConfig);

  return {
    encodePrompt(text: string): number[] {
      if (text.length === 0) return [bosTokenId];
      return [bosTokenId, ...tokenizer.encode(text, { add_special_tokens: false }).ids];
    },
  };
}
