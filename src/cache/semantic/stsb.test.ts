import { describe, expect, it } from 'vitest';

import { parseStsb, sameRequestLabel } from './stsb.js';

describe('parseStsb', () => {
  it('reads score and sentences from columns 5 to 7', () => {
    const { pairs, skippedLines } = parseStsb(
      'main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\tAn air plane is taking off.\n',
    );

    expect(skippedLines).toBe(0);
    expect(pairs).toEqual([
      { line: 1, score: 5, first: 'A plane is taking off.', second: 'An air plane is taking off.' },
    ]);
  });

  it('ignores extra columns', () => {
    const { pairs } = parseStsb('g\tf\t2016\t0012\t4\tFirst.\tSecond.\tsource one\tsource two');
    expect(pairs[0]?.second).toBe('Second.');
  });

  it('keeps double quotes as sentence text', () => {
    const { pairs } = parseStsb('g\tf\ty\t1\t1\t"Fairies don\'t exist" - fine.\t"Elves" exist.');
    expect(pairs[0]?.first).toBe('"Fairies don\'t exist" - fine.');
  });

  it('counts malformed lines as skipped', () => {
    const text = [
      'g\tf\ty\t1\t3\tOnly six columns',
      'g\tf\ty\t2\tabc\tBad score.\tStill bad.',
      'g\tf\ty\t3\t7\tScore above five.\tRejected.',
      'g\tf\ty\t4\t2\t\tEmpty first sentence.',
      '',
      'g\tf\ty\t5\t2.5\tKept.\tAlso kept.\r',
    ].join('\n');

    const { pairs, skippedLines } = parseStsb(text);

    expect(skippedLines).toBe(4);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]?.line).toBe(6);
  });
});

describe('sameRequestLabel', () => {
  it('labels 4 and above as the same request', () => {
    expect(sameRequestLabel(4)).toBe(1);
  });

  it('labels 2 and below as different', () => {
    expect(sameRequestLabel(2)).toBe(0);
  });

  it('ignores scores in between', () => {
    expect(sameRequestLabel(3.2)).toBeUndefined();
  });
});
