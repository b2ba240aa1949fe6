import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { splitEvents } from './split-events.js';

describe('splitEvents', () => {
  it('splits at blank lines of every kind', () => {
    const { events, rest } = splitEvents('data: a\n\n: ping\r\n\r\ndata: b\r\rdata: c');

    expect(events).toEqual(['data: a\n\n', ': ping\r\n\r\n', 'data: b\r\r']);
    expect(rest).toBe('data: c');
  });

  it('keeps a single line break in the event', () => {
    expect(splitEvents('data: a\ndata: b\n\n').events).toEqual(['data: a\ndata: b\n\n']);
  });

  it('returns the text as rest without a blank line', () => {
    expect(splitEvents('data: a\n')).toEqual({ events: [], rest: 'data: a\n' });
  });

  it('loses and adds no character', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('data: x', ':', '\n', '\r', '\r\n', 'é', '{}')), (parts) => {
        const text = parts.join('');
        const { events, rest } = splitEvents(text);
        expect(events.join('') + rest).toBe(text);
        for (const event of events) expect(splitEvents(event).events).toEqual([event]);
      }),
    );
  });
});
