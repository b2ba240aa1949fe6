import { describe, expect, it } from 'vitest';

import { StopMatcher } from './stop-matcher.js';

/** Feeds `chunks` one by one and returns the concatenated released text and whether it stopped. */
function run(stops: string[], chunks: string[]): { text: string; stopped: boolean; releases: string[] } {
  const matcher = new StopMatcher(stops);
  const releases: string[] = [];
  for (const chunk of chunks) {
    const result = matcher.push(chunk);
    releases.push(result.text);
    if (result.stopped) return { text: releases.join(''), stopped: true, releases };
  }
  releases.push(matcher.flush());
  return { text: releases.join(''), stopped: false, releases };
}

describe('StopMatcher', () => {
  it('passes text through without stops', () => {
    expect(run([], ['a', 'b'])).toEqual({ text: 'ab', stopped: false, releases: ['a', 'b', ''] });
  });

  it('cuts text before a stop inside one chunk', () => {
    expect(run(['END'], ['abcENDdef'])).toMatchObject({ text: 'abc', stopped: true });
  });

  it('finds a stop split across chunks', () => {
    const result = run(['\nUser:'], ['Hello', '\n', 'Us', 'er:', ' more']);
    expect(result.text).toBe('Hello');
    expect(result.stopped).toBe(true);
  });

  it('holds back a possible stop prefix', () => {
    const result = run(['world'], ['hello wo', 'rk']);
    expect(result.releases).toEqual(['hello ', 'work', '']);
    expect(result.stopped).toBe(false);
  });

  it('releases a held prefix on flush', () => {
    expect(run(['abc'], ['xab'])).toEqual({ text: 'xab', stopped: false, releases: ['x', 'ab'] });
  });

  it('picks the earliest of several stops', () => {
    expect(run(['cd', 'b'], ['abcd'])).toMatchObject({ text: 'a', stopped: true });
    expect(run(['bcd', 'cd'], ['ab', 'cd'])).toMatchObject({ text: 'a', stopped: true });
  });

  it('matches a stop that overlaps a false start', () => {
    expect(run(['aab'], ['a', 'a', 'a', 'b'])).toMatchObject({ text: 'a', stopped: true });
  });

  it('rejects an empty stop sequence', () => {
    expect(() => new StopMatcher([''])).toThrow(RangeError);
  });
});
