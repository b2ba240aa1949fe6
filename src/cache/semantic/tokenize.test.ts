import { describe, expect, it } from 'vitest';

import { splitWords, tokenizeWords, vocabularyKeys } from './tokenize.js';

describe('tokenizeWords', () => {
  it('lowercases and drops punctuation', () => {
    expect(tokenizeWords('A plane is taking off.')).toEqual(['a', 'plane', 'is', 'taking', 'off']);
  });

  it('keeps contractions and possessives whole', () => {
    expect(tokenizeWords("Don't touch the man’s car!")).toEqual(["don't", 'touch', 'the', "man's", 'car']);
  });

  it('keeps digits as words', () => {
    expect(tokenizeWords('Buy 3 apples for $2.50')).toEqual(['buy', '3', 'apples', 'for', '2', '50']);
  });

  it('returns no words for punctuation only', () => {
    expect(tokenizeWords('?! ...')).toEqual([]);
  });
});

describe('splitWords', () => {
  it('keeps the original casing', () => {
    expect(splitWords('Obama met Merkel')).toEqual(['Obama', 'met', 'Merkel']);
  });
});

describe('vocabularyKeys', () => {
  it('drops the apostrophe of a contraction', () => {
    expect(vocabularyKeys("don't")).toEqual(['dont']);
  });

  it('tries the stem of a possessive first', () => {
    expect(vocabularyKeys("man's")).toEqual(['man', 'mans']);
  });

  it('returns a plain word unchanged', () => {
    expect(vocabularyKeys('plane')).toEqual(['plane']);
  });
});
