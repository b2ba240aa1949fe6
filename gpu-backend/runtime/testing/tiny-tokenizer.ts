/**
 * Writes a small Llama-style `tokenizer.json` (metaspace BPE with byte fallback, decoder Replace,
 * ByteFallback, Fuse, Strip) into a folder, for tokenizer tests that need no model.
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { byteTokenPiece, LLAMA_DECODER, LLAMA_NORMALIZER, llamaBpeModel, specialTokenEntry } from '../../model-import/hf-tokenizer.js';

const METASPACE = '\u2581';

/** Ids: 0 `<unk>`, 1 `<s>`, 2 `</s>`, 3 to 258 the bytes 0x00 to 0xFF, then {@link TINY_PIECES}. */
export const TINY_PIECES = [METASPACE, 'a', 'b', 'c', '.', `${METASPACE}a`, `${METASPACE}ab`, 'ab', `${METASPACE}c`] as const;
export const TINY_VOCAB_SIZE = 3 + 256 + TINY_PIECES.length;

/** Returns the id of a piece of {@link TINY_PIECES} or a `<0xNN>` byte token. */
export function tinyTokenId(piece: string): number {
  const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
  if (byte) return 3 + Number.parseInt(byte[1]!, 16);
  const index = (TINY_PIECES as readonly string[]).indexOf(piece.replaceAll(' ', METASPACE));
  if (index < 0) throw new Error(`unknown tiny piece ${piece}`);
  return 3 + 256 + index;
}

export async function writeTinyTokenizer(dir: string): Promise<void> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let byte = 0; byte < 256; byte++) vocab[byteTokenPiece(byte)] = 3 + byte;
  TINY_PIECES.forEach((piece, index) => (vocab[piece] = 3 + 256 + index));

  const merges: [string, string][] = [
    [METASPACE, 'a'],
    ['a', 'b'],
    [`${METASPACE}a`, 'b'],
    [METASPACE, 'c'],
  ];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [specialTokenEntry(0, '<unk>'), specialTokenEntry(1, '<s>'), specialTokenEntry(2, '</s>')],
    normalizer: LLAMA_NORMALIZER,
    pre_tokenizer: null,
    post_processor: null,
    decoder: LLAMA_DECODER,
    model: llamaBpeModel(vocab, merges, true),
  };
  const tokenizerConfig = { add_bos_token: true, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', clean_up_tokenization_spaces: false, legacy: true };

  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
}
