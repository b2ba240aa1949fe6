/**
 * Prompt encoding and per-token byte tables for a model folder's `tokenizer.json`, loaded with
 * the `@huggingface/tokenizers` package.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';

import { parseDecoderRules, tokenPieceBytes, type DecoderRules } from './token-bytes.js';

const EMPTY_BYTES = new Uint8Array(0);

export interface SpecialTokenIds {
  bosTokenId: number;
  eosTokenId: number;
}

export class TextTokenizer {
  /** Bytes each token id contributes to text; empty for special tokens, which are never shown. */
  private readonly bytesById: Uint8Array[];

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly vocabSize: number,
    readonly specialTokens: SpecialTokenIds,
    readonly rules: DecoderRules,
  ) {
    this.bytesById = buildByteTable(tokenizer, vocabSize, rules);
  }

  /**
   * Loads `tokenizer.json` and `tokenizer_config.json` from `dir` and checks that the byte table
   * reproduces the library's own decoding for every token.
   */
  static async load(dir: string, vocabSize: number, specialTokens: SpecialTokenIds): Promise<TextTokenizer> {
    const tokenizerJson = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const tokenizerConfig = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;

    const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    const rules = parseDecoderRules(tokenizerJson.decoder);
    const textTokenizer = new TextTokenizer(tokenizer, vocabSize, specialTokens, rules);
    textTokenizer.verifyByteTable();
    return textTokenizer;
  }

  /**
   * Encodes a prompt as BOS followed by the text's tokens. An empty prompt is BOS alone, as in
   * llama2.c's `encode`, which adds the dummy-prefix space only to non-empty text.
   */
  encodePrompt(text: string): number[] {
    if (text.length === 0) return [this.specialTokens.bosTokenId];

    const { ids } = this.tokenizer.encode(text, { add_special_tokens: false });
    return [this.specialTokens.bosTokenId, ...ids];
  }

  /** Returns the token's bytes; the array is shared, so callers must not modify it. */
  tokenBytes(tokenId: number): Uint8Array {
    return this.bytesById[tokenId] ?? EMPTY_BYTES;
  }

  /** True when the decoder drops one leading space from the first token after BOS. */
  get stripsLeadingSpace(): boolean {
    return this.rules.stripLeadingSpace;
  }

  /** Decodes whole token ids with the tokenizers library, skipping special tokens. */
  decodeWithLibrary(tokenIds: readonly number[]): string {
    if (tokenIds.length === 0) return '';
    return this.tokenizer.decode([...tokenIds], { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /**
   * Compares the byte table with the library's decoding of each token on its own and after a
   * reference token, so that streamed text equals what the tokenizer would produce. Byte-fallback
   * tokens are skipped because one byte alone is not valid UTF-8.
   */
  private verifyByteTable(): void {
    const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    const reference = this.findReferenceToken();
    const referenceText = decoder.decode(this.firstTokenBytes(reference));

    for (let id = 0; id < this.vocabSize; id++) {
      const bytes = this.bytesById[id]!;
      if (bytes.length === 0 || (bytes.length === 1 && bytes[0]! >= 0x80)) continue;

      const alone = decoder.decode(this.firstTokenBytes(id));
      const afterReference = referenceText + decoder.decode(bytes);
      const expectedAlone = this.decodeWithLibrary([id]);
      const expectedAfterReference = this.decodeWithLibrary([reference, id]);
      if (alone !== expectedAlone || afterReference !== expectedAfterReference) {
        throw new Error(
          `tokenizer.json decoder is not reproduced for token ${id}: byte table gives ${JSON.stringify(afterReference)}, ` +
            `the tokenizers library gives ${JSON.stringify(expectedAfterReference)}`,
        );
      }
    }
  }

  /** Returns a token made of ASCII letters only, which decodes the same at any position. */
  private findReferenceToken(): number {
    for (let id = 0; id < this.vocabSize; id++) {
      const bytes = this.bytesById[id]!;
      if (bytes.length > 0 && bytes.every((byte) => (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a))) return id;
    }
    throw new Error('tokenizer vocabulary has no plain-letter token to verify the decoder with');
  }

  private firstTokenBytes(tokenId: number): Uint8Array {
    const bytes = this.tokenBytes(tokenId);
    return this.stripsLeadingSpace && bytes[0] === 0x20 ? bytes.subarray(1) : bytes;
  }
}

function buildByteTable(tokenizer: Tokenizer, vocabSize: number, rules: DecoderRules): Uint8Array[] {
  const specialIds = new Set<number>();
  for (const [id, token] of tokenizer.get_added_tokens_decoder()) {
    if (token.special) specialIds.add(id);
  }

  const encoder = new TextEncoder();
  const table: Uint8Array[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const piece = tokenizer.id_to_token(id);
    table.push(piece === undefined || specialIds.has(id) ? EMPTY_BYTES : tokenPieceBytes(piece, rules, encoder));
  }
  return table;
}
