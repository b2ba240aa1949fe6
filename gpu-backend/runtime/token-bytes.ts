/**
 * Per-token UTF-8 bytes derived from a Hugging Face `tokenizer.json` decoder description.
 *
 * Streaming needs the bytes of each token on its own, so that a character split across
 * byte-fallback tokens (`<0xE2>`, `<0x80>`, `<0x94>`) is released only once complete. The
 * tokenizers library decodes whole sequences only, so this module mirrors the decoder steps that
 * Llama-family tokenizers use and the caller checks the result against the library.
 */

/** The decoder steps that the byte table reproduces. */
export interface DecoderRules {
  /** Replace U+2581 (SentencePiece metaspace) with a space. */
  metaspace: boolean;
  /** Map `<0xNN>` pieces to the single byte NN. */
  byteFallback: boolean;
  /** Map GPT-2 byte-level characters back to bytes. */
  byteLevel: boolean;
  /** Remove one leading space from the first decoded token (Strip start 1, or Metaspace with a prefix space). */
  stripLeadingSpace: boolean;
}

const METASPACE = '\u2581';
const BYTE_FALLBACK_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/** Reads the decoder section of `tokenizer.json`; throws for decoder types whose bytes it cannot reproduce. */
export function parseDecoderRules(decoder: unknown): DecoderRules {
  const rules: DecoderRules = { metaspace: false, byteFallback: false, byteLevel: false, stripLeadingSpace: false };
  if (decoder === null || decoder === undefined) return rules;

  const steps = isRecord(decoder) && decoder.type === 'Sequence' && Array.isArray(decoder.decoders) ? decoder.decoders : [decoder];
  for (const step of steps) {
    if (!isRecord(step)) throw new Error(`tokenizer.json decoder step must be an object, got ${JSON.stringify(step)}`);
    applyDecoderStep(step, rules);
  }
  return rules;
}

function applyDecoderStep(step: Record<string, unknown>, rules: DecoderRules): void {
  switch (step.type) {
    case 'Replace': {
      const pattern = isRecord(step.pattern) ? step.pattern.String : undefined;
      if (pattern !== METASPACE || step.content !== ' ') {
        throw new Error(`unsupported tokenizer.json Replace decoder ${JSON.stringify(step)}: only U+2581 to space is supported`);
      }
      rules.metaspace = true;
      return;
    }
    case 'ByteFallback':
      rules.byteFallback = true;
      return;
    case 'Fuse':
      return;
    case 'Strip':
      if (step.content !== ' ' || step.stop !== 0 || (step.start !== 0 && step.start !== 1)) {
        throw new Error(`unsupported tokenizer.json Strip decoder ${JSON.stringify(step)}: only one leading space is supported`);
      }
      rules.stripLeadingSpace = step.start === 1;
      return;
    case 'Metaspace':
      if ((step.replacement ?? METASPACE) !== METASPACE) throw new Error(`unsupported Metaspace replacement ${JSON.stringify(step.replacement)}`);
      rules.metaspace = true;
      rules.stripLeadingSpace = true;
      return;
    case 'ByteLevel':
      rules.byteLevel = true;
      return;
    default:
      throw new Error(`unsupported tokenizer.json decoder type ${JSON.stringify(step.type)} for streaming decoding`);
  }
}

/** Returns the bytes one token contributes to decoded text, before any leading-space strip. */
export function tokenPieceBytes(piece: string, rules: DecoderRules, encoder: TextEncoder): Uint8Array {
  if (rules.byteFallback) {
    const match = BYTE_FALLBACK_PIECE.exec(piece);
    if (match) return Uint8Array.of(Number.parseInt(match[1]!, 16));
  }

  if (rules.byteLevel) return byteLevelBytes(piece);
  return encoder.encode(rules.metaspace ? piece.replaceAll(METASPACE, ' ') : piece);
}

let unicodeToByte: Map<string, number> | undefined;

/** Inverts GPT-2's byte-to-unicode table: printable Latin-1 bytes map to themselves, the rest to U+0100 upward. */
function byteLevelBytes(piece: string): Uint8Array {
  if (unicodeToByte === undefined) {
    unicodeToByte = new Map();
    let shifted = 0;
    for (let byte = 0; byte < 256; byte++) {
      const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
      unicodeToByte.set(String.fromCodePoint(printable ? byte : 256 + shifted++), byte);
    }
  }

  const bytes: number[] = [];
  for (const char of piece) {
    const byte = unicodeToByte.get(char);
    if (byte === undefined) throw new Error(`byte-level token piece ${JSON.stringify(piece)} contains unmapped character ${JSON.stringify(char)}`);
    bytes.push(byte);
  }
  return Uint8Array.from(bytes);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
