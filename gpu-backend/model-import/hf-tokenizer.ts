/**
 * Converts a llama2.c tokenizer into Hugging Face `tokenizer.json` and `tokenizer_config.json`
 * in the layout transformers uses for (legacy) Llama tokenizers.
 *
 * Encoding equivalence with run.c: the normalizer prepends '▁' to non-empty text and maps ' ' to
 * '▁' (run.c's dummy prefix); the BPE model starts from single characters, falls back to
 * `<0xNN>` byte tokens for characters outside the vocabulary, and applies merges ranked by the
 * score of the merged token — the same pair run.c picks (highest merged score; ties to the
 * leftmost pair). Every split of every multi-character piece into two vocabulary pieces is a
 * merge, so any merge run.c could make is available.
 */
import { BOS_ID, EOS_ID, type Llama2cTokenizer } from './llama2c-tokenizer.js';

export const SPIECE_UNDERLINE = '\u2581';
const SPECIAL_TOKENS: Record<number, string> = { 0: '<unk>', [BOS_ID]: '<s>', [EOS_ID]: '</s>' };
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** SentencePiece's dummy prefix and space marker, as Hugging Face's Llama tokenizers normalize text. */
export const LLAMA_NORMALIZER = {
  type: 'Sequence',
  normalizers: [
    { type: 'Prepend', prepend: SPIECE_UNDERLINE },
    { type: 'Replace', pattern: { String: ' ' }, content: SPIECE_UNDERLINE },
  ],
} as const;

/** The inverse of {@link LLAMA_NORMALIZER}, with byte-fallback tokens fused back into UTF-8. */
export const LLAMA_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: SPIECE_UNDERLINE }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 },
  ],
} as const;

export interface HfTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Token strings by id, as they appear in tokenizer.json's vocabulary. */
  vocab: string[];
  merges: [string, string][];
}

export interface ConvertTokenizerOptions {
  /** Written as `model_max_length` (the model's context length). */
  modelMaxLength?: number;
}

function pieceToToken(id: number, bytes: Uint8Array): string {
  const special = SPECIAL_TOKENS[id];
  if (special !== undefined) return special;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`token ${id} is not valid UTF-8 (${Buffer.from(bytes).toString('hex')})`);
  }
  return text.replaceAll(' ', SPIECE_UNDERLINE);
}

/** Builds the `added_tokens` entry of tokenizer.json for a special token. */
export function specialTokenEntry(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** Returns the vocabulary piece of a byte-fallback token, `<0x00>` to `<0xFF>`. */
export function byteTokenPiece(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/**
 * Builds the `model` section of a Llama tokenizer.json: BPE from single characters. Characters
 * outside the vocabulary become `<0xNN>` byte tokens when `byteFallback` is set, else `<unk>`.
 */
export function llamaBpeModel(vocab: Readonly<Record<string, number>>, merges: readonly (readonly [string, string])[], byteFallback: boolean): Record<string, unknown> {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: byteFallback,
    ignore_merges: false,
    vocab,
    merges,
  };
}

/** Builds tokenizer.json and tokenizer_config.json for a llama2.c vocabulary. */
export function convertTokenizer(tokenizer: Llama2cTokenizer, options: ConvertTokenizerOptions = {}): HfTokenizerFiles {
  const vocab = tokenizer.pieces.map((bytes, id) => pieceToToken(id, bytes));
  const ids = new Map<string, number>();
  vocab.forEach((token, id) => {
    if (ids.has(token)) throw new Error(`token ${JSON.stringify(token)} appears twice (ids ${ids.get(token)} and ${id})`);
    ids.set(token, id);
  });

  const isMergeable = (id: number): boolean => !(id in SPECIAL_TOKENS) && !BYTE_PIECE.test(vocab[id]!);
  const candidates: { left: string; right: string; score: number; id: number; split: number }[] = [];
  vocab.forEach((token, id) => {
    if (!isMergeable(id)) return;
    const chars = Array.from(token);
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      const l = ids.get(left);
      const r = ids.get(right);
      if (l === undefined || r === undefined || !isMergeable(l) || !isMergeable(r)) continue;
      candidates.push({ left, right, score: tokenizer.scores[id]!, id, split: k });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.id - b.id || a.split - b.split);
  const merges = candidates.map((c) => [c.left, c.right] as [string, string]);

  const hasAllBytes = Array.from({ length: 256 }, (_, b) => byteTokenPiece(b)).every((t) => ids.has(t));

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [0, BOS_ID, EOS_ID].map((id) => specialTokenEntry(id, SPECIAL_TOKENS[id]!)),
    normalizer: LLAMA_NORMALIZER,
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [BOS_ID], tokens: ['<s>'] } },
    },
    decoder: LLAMA_DECODER,
    // With no <0xNN> tokens in the vocabulary (e.g. tok105) unknown characters become <unk>.
    model: llamaBpeModel(Object.fromEntries(vocab.map((t, id) => [t, id])), merges, hasAllBytes),
  };

  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: Object.fromEntries(
      [0, BOS_ID, EOS_ID].map((id) => {
        const { id: _id, ...rest } = specialTokenEntry(id, SPECIAL_TOKENS[id]!);
        return [String(id), rest];
      }),
    ),
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: options.modelMaxLength ?? 2048,
    sp_model_kwargs: {},
    spaces_between_special_tokens: false,
    tokenizer_class: 'LlamaTokenizer',
    use_default_system_prompt: false,
  };

  return { tokenizerJson, tokenizerConfig, vocab, merges };
}
