import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { convertTokenizer } from './hf-tokenizer.js';
import { Llama2cBpe, parseLlama2cTokenizer, readLlama2cTokenizer, TokenizerFormatError } from './llama2c-tokenizer.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const STORIES = readFileSync(`${SHARED}/data/tinystories/validation-first-1000.txt`, 'utf8').split('\n');

function load(file: string, vocab: number): { bpe: Llama2cBpe; hf: Tokenizer; files: ReturnType<typeof convertTokenizer> } {
  const tokenizer = readLlama2cTokenizer(`${SHARED}/models/${file}`, vocab);
  const files = convertTokenizer(tokenizer, { modelMaxLength: 512 });
  // Through JSON text, as the files are read from disk.
  const hf = new Tokenizer(JSON.parse(JSON.stringify(files.tokenizerJson)), JSON.parse(JSON.stringify(files.tokenizerConfig)));
  return { bpe: new Llama2cBpe(tokenizer), hf, files };
}

const VARIED = [
  'Once upon a time, there was a little girl named Lily.',
  '"Hello!" said Tom. "Can we play?"',
  '  leading spaces, trailing  ',
  'tabs\tand\nnewlines\r\n',
  'naïve café, résumé — “quotes” and ‘apostrophes’…',
  'Emoji 😀🎉 and CJK 日本語 and Ωμέγα',
  'Mixed ☃ snowman ∑ sum ₿ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '~!@#$%^&*()_+{}|:<>?`-=[]\\;\',./',
  'x',
  ' ',
  '1234567890 3.14159',
];

describe('tokenizer.json for stories260K (tok512)', () => {
  const { bpe, hf, files } = load('stories260K/tok512.bin', 512);

  it('encodes every line of the TinyStories sample exactly like run.c', () => {
    const mismatches = STORIES.filter((line) => JSON.stringify(hf.encode(line).ids) !== JSON.stringify(bpe.encode(line)));
    expect(mismatches).toEqual([]);
    expect(STORIES.length).toBeGreaterThan(5000);
  }, 60_000);

  it('encodes whole multi-line stories like run.c', () => {
    const stories = STORIES.join('\n').split('<|endoftext|>').slice(0, 30);
    for (const story of stories) expect(hf.encode(story).ids).toEqual(bpe.encode(story));
  }, 60_000);

  it('round-trips varied text, UTF-8 and byte fallback included', () => {
    for (const text of [...VARIED, ...STORIES.slice(0, 200)]) {
      const { ids } = hf.encode(text);
      expect(ids).toEqual(bpe.encode(text));
      expect(ids[0]).toBe(1);
      expect(hf.decode(ids, { skip_special_tokens: true })).toBe(text);
    }
  });

  it('falls back to <0xNN> byte tokens for characters outside the vocabulary', () => {
    const { ids, tokens } = hf.encode('😀');
    expect(tokens).toEqual(['<s>', '▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
    expect(ids.slice(2)).toEqual([0xf0 + 3, 0x9f + 3, 0x98 + 3, 0x80 + 3]);
  });

  it('adds the dummy prefix only to non-empty text', () => {
    expect(hf.encode('').ids).toEqual([1]);
    expect(bpe.encode('')).toEqual([1]);
    expect(hf.encode('a', { add_special_tokens: false }).tokens).toEqual(['▁a']);
  });

  it('decodes like run.c: leading space dropped after BOS, byte tokens as raw bytes', () => {
    for (const text of [...VARIED, ...STORIES.slice(0, 100)]) {
      const ids = bpe.encode(text);
      const pieces = ids.slice(1).map((id, i) => bpe.decodePiece(ids[i]!, id));
      const raw = Buffer.concat(pieces.map((p) => Buffer.from(p)));
      expect(hf.decode(ids, { skip_special_tokens: true })).toBe(raw.toString('utf8'));
    }
  });

  it('ranks merges by the score of the merged token', () => {
    expect(files.merges[0]).toEqual(['▁', 't']); // ' t' has the highest merge score
    expect(files.merges).toContainEqual(['▁t', 'he']); // ' the' = ' t' + 'he'
    expect(files.vocab[1]).toBe('<s>');
    expect(files.vocab[2]).toBe('</s>');
    expect((files.tokenizerJson.model as { byte_fallback: boolean }).byte_fallback).toBe(true);
  });

  it('writes a tokenizer_config.json with BOS/EOS and add_bos_token', () => {
    expect(files.tokenizerConfig).toMatchObject({
      bos_token: '<s>',
      eos_token: '</s>',
      unk_token: '<unk>',
      add_bos_token: true,
      add_eos_token: false,
      clean_up_tokenization_spaces: false,
      model_max_length: 512,
    });
  });
});

describe('tokenizer.json for babyllama (tok105, no byte tokens)', () => {
  const { bpe, hf, files } = load('babyllama-tok105/tok105.bin', 105);
  const known = new Set(files.vocab);

  it('encodes like run.c wherever run.c is well defined (all characters in the vocabulary)', () => {
    const covered = STORIES.filter((line) => Array.from(line).every((ch) => known.has(ch === ' ' ? '▁' : ch)));
    const mismatches = covered.filter((line) => {
      const ids = hf.encode(line).ids;
      return JSON.stringify(ids) !== JSON.stringify(bpe.encode(line)) || hf.decode(ids, { skip_special_tokens: true }) !== line;
    });
    expect(mismatches).toEqual([]);
    expect(covered.length).toBeGreaterThan(3000);
  }, 60_000);

  it('maps characters outside the vocabulary to <unk> (no byte tokens to fall back to)', () => {
    expect((files.tokenizerJson.model as { byte_fallback: boolean }).byte_fallback).toBe(false);
    expect(hf.encode('a😀b').tokens).toEqual(['<s>', '▁', 'a', '<unk>', 'b']);
  });
});

describe('tokenizer.bin reader', () => {
  const bytes = readFileSync(`${SHARED}/models/stories260K/tok512.bin`);

  it('reads scores and pieces', () => {
    const t = parseLlama2cTokenizer(bytes, 'tok512', 512);
    expect(t.pieces).toHaveLength(512);
    expect(new TextDecoder().decode(t.pieces[1])).toBe('\n<s>\n');
    expect(t.scores[259]).toBe(-0);
  });

  it('rejects truncated files and vocabulary-size mismatches', () => {
    expect(() => parseLlama2cTokenizer(bytes.subarray(0, bytes.length - 3), 'cut')).toThrow(TokenizerFormatError);
    expect(() => parseLlama2cTokenizer(bytes, 'tok512', 600)).toThrow(/contains 512 tokens, but the model's vocabulary has 600/);
    expect(() => parseLlama2cTokenizer(bytes, 'tok512', 100)).toThrow(/trailing bytes/);
  });
});
