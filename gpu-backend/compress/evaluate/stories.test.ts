import { describe, expect, it } from 'vitest';

import { evaluationRange, selectStories, splitStories, tokenizeStories } from './stories.js';

describe('splitStories', () => {
  it('splits on separator lines and keeps blank lines inside a story', () => {
    const text = 'One.\n\nTwo paragraphs.\n<|endoftext|>\nSecond story.\n<|endoftext|>\n';
    expect(splitStories(text)).toEqual(['One.\n\nTwo paragraphs.', 'Second story.']);
  });

  it('drops text after the last separator', () => {
    expect(splitStories('A\n<|endoftext|>\nunfinished')).toEqual(['A']);
  });
});

describe('story ranges', () => {
  it('selects 1-based inclusive ranges', () => {
    expect(selectStories(['a', 'b', 'c'], { first: 2, last: 3 })).toEqual(['b', 'c']);
  });

  it('rejects ranges past the end', () => {
    expect(() => selectStories(['a'], { first: 1, last: 2 })).toThrow(/exceeds the 1 stories/);
  });

  it('shortens the evaluation range for quick runs', () => {
    expect(evaluationRange()).toEqual({ first: 201, last: 1000 });
    expect(evaluationRange(5)).toEqual({ first: 201, last: 205 });
    expect(() => evaluationRange(0)).toThrow(RangeError);
  });
});

describe('tokenizeStories', () => {
  it('truncates to the context length', () => {
    const tokenizer = { encodePrompt: (text: string) => [1, ...Array.from(text, (c) => c.charCodeAt(0))] };
    expect(tokenizeStories(['abcdef'], tokenizer, 4)).toEqual([[1, 97, 98, 99]]);
  });
});
