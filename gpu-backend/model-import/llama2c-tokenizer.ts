/**
 * The llama2.c `tokenizer.bin` format and a direct port of run.c's `encode` and `decode`.
 *
 * Format: int32 max_token_length, then for each token a float32 score, an int32 byte length and
 * that many bytes (SentencePiece's '▁' stored as ' '; BOS/EOS stored as "\n<s>\n"/"\n</s>\n").
 * The port operates on UTF-8 bytes exactly as run.c does and serves as the reference the
 * Hugging Face tokenizer.json is tested against.
 */
import { readFileSync } from 'node:fs';

export interface Llama2cTokenizer {
  maxTokenLength: number;
  /** Raw piece bytes per token id. */
  pieces: Uint8Array[];
  /** float32 scores per token id (higher merges first). */
  scores: Float32Array;
}

export class TokenizerFormatError extends Error {
  override name = 'TokenizerFormatError';
}

export const BOS_ID = 1;
export const EOS_ID = 2;

export function parseLlama2cTokenizer(bytes: Uint8Array, source = 'tokenizer', expectedVocabSize?: number): Llama2cTokenizer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new TokenizerFormatError(`${source}: too short for a llama2.c tokenizer`);
  const maxTokenLength = view.getInt32(0, true);
  if (!(maxTokenLength > 0 && maxTokenLength < 1 << 16)) {
    throw new TokenizerFormatError(`${source}: invalid max_token_length ${maxTokenLength}`);
  }
  const pieces: Uint8Array[] = [];
  const scores: number[] = [];
  let offset = 4;
  while (offset < bytes.byteLength && (expectedVocabSize === undefined || pieces.length < expectedVocabSize)) {
    if (offset + 8 > bytes.byteLength) throw new TokenizerFormatError(`${source}: truncated record for token ${pieces.length}`);
    const score = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    offset += 8;
    if (length < 0 || length > maxTokenLength || offset + length > bytes.byteLength) {
      throw new TokenizerFormatError(`${source}: invalid length ${length} for token ${pieces.length} at byte ${offset - 4}`);
    }
    pieces.push(bytes.slice(offset, offset + length));
    scores.push(score);
    offset += length;
  }
  if (expectedVocabSize !== undefined && pieces.length !== expectedVocabSize) {
    throw new TokenizerFormatError(`${source}: contains ${pieces.length} tokens, but the model's vocabulary has ${expectedVocabSize}`);
  }
  if (offset !== bytes.byteLength) {
    throw new TokenizerFormatError(`${source}: ${bytes.byteLength - offset} trailing bytes after ${pieces.length} tokens`);
  }
  if (pieces.length < 3) throw new TokenizerFormatError(`${source}: only ${pieces.length} tokens`);
  return { maxTokenLength, pieces, scores: Float32Array.from(scores) };
}

export function readLlama2cTokenizer(path: string, expectedVocabSize?: number): Llama2cTokenizer {
  return parseLlama2cTokenizer(readFileSync(path), path, expectedVocabSize);
}

const latin1 = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
};

/** run.c's tokenizer: byte-string lookup, encode and decode. */
export class Llama2cBpe {
  private readonly lookup = new Map<string, number>();
  /** Pieces as byte strings (one char per byte), for cheap concatenation. */
  private readonly byteStrings: string[];

  constructor(readonly tokenizer: Llama2cTokenizer) {
    this.byteStrings = tokenizer.pieces.map(latin1);
    this.byteStrings.forEach((key, id) => {
      if (!this.lookup.has(key)) this.lookup.set(key, id);
    });
  }

  /** Token id of an exact byte string, or -1 (run.c's str_lookup). */
  strLookup(bytes: string): number {
    return this.lookup.get(bytes) ?? -1;
  }

  /**
   * run.c's encode: dummy-prefix space for non-empty text, one token per UTF-8 character (or
   * byte-fallback ids byte+3), then repeated merging of the best-scoring adjacent pair.
   */
  encode(text: string | Uint8Array, bos = true, eos = false): number[] {
    let bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const nul = bytes.indexOf(0);
    if (nul >= 0) bytes = bytes.subarray(0, nul); // C strings end at NUL
    const tokens: number[] = [];
    if (bos) tokens.push(BOS_ID);
    if (bytes.length > 0) tokens.push(this.strLookup(' '));
    let buffer: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if ((c & 0xc0) !== 0x80) buffer = [];
      buffer.push(c);
      const next = i + 1 < bytes.length ? bytes[i + 1]! : 0;
      if ((next & 0xc0) === 0x80 && buffer.length < 4) continue;
      const id = this.strLookup(String.fromCharCode(...buffer));
      if (id !== -1) tokens.push(id);
      else {
        for (const b of buffer) {
          // run.c assumes <0x00>..<0xFF> occupy ids 3..258; without them it reads out of bounds.
          if (b + 3 >= this.tokenizer.pieces.length) {
            throw new RangeError(`byte fallback for 0x${b.toString(16)} needs token ${b + 3}, outside this ${this.tokenizer.pieces.length}-token vocabulary`);
          }
          tokens.push(b + 3);
        }
      }
      buffer = [];
    }
    const { scores } = this.tokenizer;
    const strings = this.byteStrings;
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i < tokens.length - 1; i++) {
        const id = this.strLookup(strings[tokens[i]!]! + strings[tokens[i + 1]!]!);
        if (id !== -1 && scores[id]! > bestScore) {
          bestScore = scores[id]!;
          bestId = id;
          bestIdx = i;
        }
      }
      if (bestIdx === -1) break;
      tokens.splice(bestIdx, 2, bestId);
    }
    if (eos) tokens.push(EOS_ID);
    return tokens;
  }

  /** run.c's decode: the bytes printed for `token` after `prevToken`. */
  decodePiece(prevToken: number, token: number): Uint8Array {
    let piece = this.tokenizer.pieces[token];
    if (!piece) throw new RangeError(`token ${token} is outside the vocabulary`);
    if (prevToken === BOS_ID && piece[0] === 0x20) piece = piece.subarray(1);
    // sscanf(piece, "<0x%02hhX>", &byte): "<0x" then one or two hex digits.
    if (piece.length >= 4 && piece[0] === 0x3c && piece[1] === 0x30 && piece[2] === 0x78) {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(latin1(piece.subarray(3, 5)));
      if (hex) return Uint8Array.of(parseInt(hex[0], 16));
    }
    return piece;
  }

  /** The bytes run.c's safe_printf writes for a piece (single non-printable bytes are dropped). */
  static safePrintfBytes(piece: Uint8Array): Uint8Array {
    if (piece.length === 0) return piece;
    if (piece.length === 1) {
      const b = piece[0]!;
      const isprint = b >= 0x20 && b <= 0x7e;
      const isspace = b === 0x20 || (b >= 0x09 && b <= 0x0d);
      if (!(isprint || isspace)) return new Uint8Array(0);
    }
    return piece;
  }

  /**
   * Returns what run.c prints for a token sequence that starts with BOS: every piece after the first
   * token through decode and safe_printf, then the final newline.
   */
  renderGeneration(tokens: readonly number[]): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let i = 1; i < tokens.length; i++) parts.push(Llama2cBpe.safePrintfBytes(this.decodePiece(tokens[i - 1]!, tokens[i]!)));
    parts.push(Uint8Array.of(0x0a));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
