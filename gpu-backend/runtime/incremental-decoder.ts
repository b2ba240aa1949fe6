/**
 * Streaming detokenization: turns generated token ids into text deltas without ever splitting a
 * UTF-8 character, however many byte-fallback tokens it spans.
 */

import type { TextTokenizer } from './tokenizer.js';

export class IncrementalDecoder {
  /** Holds the bytes of an incomplete UTF-8 sequence between calls (`stream: true`). */
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private previousTokenId: number;

  /** `previousTokenId` is the last prompt token, which decides whether the first piece loses its leading space. */
  constructor(
    private readonly tokenizer: TextTokenizer,
    previousTokenId: number,
  ) {
    this.previousTokenId = previousTokenId;
  }

  /** Returns the complete characters that `tokenId` finishes; often '' inside a multi-byte character. */
  push(tokenId: number): string {
    let bytes = this.tokenizer.tokenBytes(tokenId);

    // llama2.c's decode drops the leading space of the piece after BOS; the Llama tokenizer's
    // Strip decoder does the same to the first token of a sequence.
    if (this.previousTokenId === this.tokenizer.specialTokens.bosTokenId && this.tokenizer.stripsLeadingSpace && bytes[0] === 0x20) {
      bytes = bytes.subarray(1);
    }
    this.previousTokenId = tokenId;

    return this.utf8.decode(bytes, { stream: true });
  }

  /** Ends the stream; an unfinished character becomes U+FFFD, as the tokenizers library decodes it. */
  flush(): string {
    return this.utf8.decode();
  }
}
