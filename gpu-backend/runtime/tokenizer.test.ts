import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { IncrementalDecoder } from './incremental-decoder.js';
import { tinyTokenId, TINY_VOCAB_SIZE, writeTinyTokenizer } from './testing/tiny-tokenizer.js';
import { TextTokenizer } from './tokenizer.js';

const SPECIAL = { bosTokenId: 1, eosTokenId: 2 };
let dir: string;
let tokenizer: TextTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slimgate-tokenizer-'));
  await writeTinyTokenizer(dir);
  tokenizer = await TextTokenizer.load(dir, TINY_VOCAB_SIZE, SPECIAL);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Decodes `ids` token by token and returns every delta, then the flush. */
function stream(ids: number[], previous = SPECIAL.bosTokenId): string[] {
  const decoder = new IncrementalDecoder(tokenizer, previous);
  return [...ids.map((id) => decoder.push(id)), decoder.flush()];
}

describe('TextTokenizer', () => {
  it('encodes an empty prompt as BOS alone', () => {
    expect(tokenizer.encodePrompt('')).toEqual([1]);
  });

  it('encodes text after BOS with merges', () => {
    expect(tokenizer.encodePrompt('ab c')).toEqual([1, tinyTokenId(' ab'), tinyTokenId(' c')]);
  });

  it('falls back to bytes for unknown characters', () => {
    // U+20AC (euro sign) is E2 82 AC in UTF-8 and has no piece in the tiny vocabulary.
    expect(tokenizer.encodePrompt('a€')).toEqual([1, tinyTokenId(' a'), tinyTokenId('<0xE2>'), tinyTokenId('<0x82>'), tinyTokenId('<0xAC>')]);
  });

  it('maps special tokens to no bytes', () => {
    expect(tokenizer.tokenBytes(1)).toHaveLength(0);
    expect(tokenizer.tokenBytes(2)).toHaveLength(0);
  });

  it('rejects a decoder it cannot stream', async () => {
    const json = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const otherDir = await mkdtemp(path.join(tmpdir(), 'slimgate-tokenizer-'));
    try {
      await writeFile(path.join(otherDir, 'tokenizer.json'), JSON.stringify({ ...json, decoder: { type: 'WordPiece', prefix: '##' } }));
      await writeFile(path.join(otherDir, 'tokenizer_config.json'), '{}');
      await expect(TextTokenizer.load(otherDir, TINY_VOCAB_SIZE, SPECIAL)).rejects.toThrow(/unsupported tokenizer.json decoder type "WordPiece"/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});

describe('IncrementalDecoder', () => {
  it('holds a character split across byte tokens', () => {
    const ids = [tinyTokenId(' a'), tinyTokenId('<0xE2>'), tinyTokenId('<0x82>'), tinyTokenId('<0xAC>'), tinyTokenId('.')];
    expect(stream(ids)).toEqual(['a', '', '', '€', '.', '']);
  });

  it('matches the library decoding of the whole sequence', () => {
    const ids = [tinyTokenId(' ab'), tinyTokenId(' c'), tinyTokenId('<0xC3>'), tinyTokenId('<0xA9>'), tinyTokenId(' a')];
    expect(stream(ids).join('')).toBe(tokenizer.decodeWithLibrary([1, ...ids]));
  });

  it('strips the leading space only after BOS', () => {
    expect(stream([tinyTokenId(' c')], SPECIAL.bosTokenId)).toEqual(['c', '']);
    expect(stream([tinyTokenId(' c')], tinyTokenId('a'))).toEqual([' c', '']);
  });

  it('flushes an unfinished character as U+FFFD', () => {
    expect(stream([tinyTokenId('a'), tinyTokenId('<0xE2>')])).toEqual(['a', '', '\uFFFD']);
  });
});
