import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChoiceRequest } from './generation.js';
import { SequenceOutput } from './sequence-output.js';
import { tinyTokenId, TINY_VOCAB_SIZE, writeTinyTokenizer } from './testing/tiny-tokenizer.js';
import { TextTokenizer } from './tokenizer.js';

let dir: string;
let tokenizer: TextTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slimgate-sequence-'));
  await writeTinyTokenizer(dir);
  tokenizer = await TextTokenizer.load(dir, TINY_VOCAB_SIZE, { bosTokenId: 1, eosTokenId: 2 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function choice(overrides: Partial<ChoiceRequest> = {}): ChoiceRequest {
  return { promptTokenIds: [1, tinyTokenId(' a')], maxTokens: 100, temperature: 0, topP: 1, seed: 0, stop: [], ...overrides };
}

/** Feeds `pieces` until the output finishes; returns the text, finish reason and token count. */
function feed(output: SequenceOutput, pieces: string[]): { text: string; finishReason: string | null; tokens: number } {
  let text = '';
  for (const piece of pieces) {
    const specialIds: Record<string, number> = { '<s>': 1, '</s>': 2 };
    const accepted = output.accept(specialIds[piece] ?? tinyTokenId(piece));
    text += accepted.text;
    if (accepted.finishReason !== null) return { text, finishReason: accepted.finishReason, tokens: output.completionTokens };
  }
  return { text, finishReason: null, tokens: output.completionTokens };
}

describe('SequenceOutput', () => {
  it('finishes with stop on EOS and counts it', () => {
    expect(feed(new SequenceOutput(tokenizer, choice(), 64), [' ab', '.', '</s>', 'c'])).toEqual({ text: ' ab.', finishReason: 'stop', tokens: 3 });
  });

  it('finishes with stop on BOS', () => {
    expect(feed(new SequenceOutput(tokenizer, choice(), 64), ['c', '<s>'])).toEqual({ text: 'c', finishReason: 'stop', tokens: 2 });
  });

  it('finishes with length at max_tokens', () => {
    expect(feed(new SequenceOutput(tokenizer, choice({ maxTokens: 2 }), 64), ['c', 'c', 'c'])).toEqual({ text: 'cc', finishReason: 'length', tokens: 2 });
  });

  it('finishes with length at the context length', () => {
    // Two prompt tokens in a context of four leave room for two completion tokens.
    expect(feed(new SequenceOutput(tokenizer, choice(), 4), ['c', 'c', 'c'])).toEqual({ text: 'cc', finishReason: 'length', tokens: 2 });
  });

  it('is exhausted at once for max_tokens 0', () => {
    expect(new SequenceOutput(tokenizer, choice({ maxTokens: 0 }), 64).exhausted).toBe(true);
  });

  it('cuts the stop sequence and what follows', () => {
    const output = new SequenceOutput(tokenizer, choice({ stop: ['b.'] }), 64);
    expect(feed(output, [' a', ' ab', '.', 'c'])).toEqual({ text: ' a a', finishReason: 'stop', tokens: 3 });
  });

  it('releases a held stop prefix when the length runs out', () => {
    const output = new SequenceOutput(tokenizer, choice({ stop: ['c.'], maxTokens: 2 }), 64);
    expect(feed(output, [' a', 'c'])).toEqual({ text: ' ac', finishReason: 'length', tokens: 2 });
  });

  it('never sends text that later becomes a stop', () => {
    const output = new SequenceOutput(tokenizer, choice({ stop: ['ab'] }), 64);
    expect(output.accept(tinyTokenId('c')).text).toBe('c');
    expect(output.accept(tinyTokenId('a')).text).toBe('');
    expect(output.accept(tinyTokenId('b'))).toEqual({ text: '', finishReason: 'stop' });
  });

  it('matches a stop that ends inside a multi-byte character', () => {
    const output = new SequenceOutput(tokenizer, choice({ stop: ['€'] }), 64);
    expect(feed(output, ['c', '<0xE2>', '<0x82>', '<0xAC>', 'a'])).toEqual({ text: 'c', finishReason: 'stop', tokens: 4 });
  });
});
