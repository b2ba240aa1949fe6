import { describe, expect, it } from 'vitest';

import {
  extractNames,
  extractNumbers,
  findAntonymFlip,
  findMismatch,
  findNameMismatch,
  findNegationMismatch,
  findNumberMismatch,
} from './false-hit-guard.js';

describe('findNegationMismatch', () => {
  it.each([
    ['Is the store open on Sunday?', "Isn't the store open on Sunday?"],
    ['Write a function that sorts the list.', 'Write a function that does not sort the list.'],
    ['I want sugar in my coffee.', 'I want no sugar in my coffee.'],
    ['We have been to Paris.', 'We have never been to Paris.'],
    ['Do it now.', 'Dont do it now.'],
  ])('flags %j against %j', (first, second) => {
    expect(findNegationMismatch(first, second)?.kind).toBe('negation');
  });

  it('passes two negated phrasings', () => {
    expect(findNegationMismatch('That is not an answer.', "No, it's not an answer.")).toBeNull();
  });
});

describe('findAntonymFlip', () => {
  it.each([
    ['Turn the heater on.', 'Turn the heater off.'],
    ['Sort the rows in ascending order.', 'Sort the rows in descending order.'],
    ['Should I buy Tesla stock?', 'Should I sell Tesla stock?'],
    ['Prices increased last year.', 'Prices decreased last year.'],
    ['A man is cutting an onion.', 'A woman is cutting an onion.'],
  ])('flags %j against %j', (first, second) => {
    expect(findAntonymFlip(first, second)?.kind).toBe('antonym');
  });

  it('passes when both texts contain both words', () => {
    expect(findAntonymFlip('Switch it on and off.', 'Switch it off and on again.')).toBeNull();
  });
});

describe('findNumberMismatch', () => {
  it.each([
    ['Give me 3 ideas for dinner.', 'Give me 5 ideas for dinner.'],
    ['Convert 100 USD to EUR.', 'Convert 1000 USD to EUR.'],
    ['Three men are playing chess.', 'Two men are playing chess.'],
    ['Summarize the report.', 'Summarize the 2023 report.'],
  ])('flags %j against %j', (first, second) => {
    expect(findNumberMismatch(first, second)?.kind).toBe('number');
  });

  it('treats spellings of one number as equal', () => {
    expect(findNumberMismatch('It costs 1,000 dollars.', 'It costs 1000 dollars.')).toBeNull();
    expect(findNumberMismatch('Pay 2.50 now.', 'Pay 2.5 now.')).toBeNull();
    expect(findNumberMismatch('Name two rivers.', 'Name 2 rivers.')).toBeNull();
  });

  it('extracts normalized numbers', () => {
    expect([...extractNumbers('3 apples, 1,250 pears and 07 plums cost 4,5 euros')]).toEqual([
      '3',
      '1250',
      '7',
      '4.5',
    ]);
  });
});

describe('findNameMismatch', () => {
  it.each([
    ['What is the capital of France?', 'What is the capital of Spain?'],
    ['Book a flight from Boston to Denver.', 'Book a flight from Boston to Austin.'],
    ['And, Obama gets zero credit for the budget.', 'Still, Bush gets zero credit for the budget.'],
  ])('flags %j against %j', (first, second) => {
    expect(findNameMismatch(first, second)?.kind).toBe('name');
  });

  it('passes a name dropped by one text', () => {
    expect(findNameMismatch('Email Alice the report.', 'Email the report.')).toBeNull();
  });

  it('passes a demonym and a possessive of the same name', () => {
    expect(findNameMismatch('Air strike in central Syria.', 'A Syrian air strike.')).toBeNull();
    expect(findNameMismatch('Then Bashir walked in.', "Then Bashir's lawyer walked in.")).toBeNull();
  });

  it('ignores the first word of a sentence', () => {
    expect([...extractNames('Dogs bark. Cats meow at Alice.')]).toEqual(['alice']);
  });

  it('ignores Title Case text', () => {
    expect(extractNames('Senate Confirms Obama Nominee to Key Court').size).toBe(0);
  });
});

describe('findMismatch', () => {
  it.each([
    ['How do I reverse a list in Python?', 'How can I reverse a Python list?'],
    ['A man is playing the guitar.', 'A man plays a guitar.'],
    ['What is the weather like in Paris today?', "What's the weather in Paris today?"],
    ['Senate confirms Obama nominee to key appeals court', 'Senate approves Obama nominee to key appeals court'],
  ])('passes the paraphrase %j and %j', (first, second) => {
    expect(findMismatch(first, second)).toBeNull();
  });

  it('reports the kind and the differing values', () => {
    expect(findMismatch('List 3 colors.', 'List 4 colors.')).toEqual({
      kind: 'number',
      detail: '[3] against [4]',
    });
  });
});
