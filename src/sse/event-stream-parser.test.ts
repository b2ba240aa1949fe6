import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EventStreamParser, type ServerSentEvent } from './event-stream-parser.js';

function parse(chunks: (string | Uint8Array)[]): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new EventStreamParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

describe('event stream parser', () => {
  it('parses data, event and id fields', () => {
    expect(parse(['event: delta\nid: 7\ndata: a\ndata:b\n\n'])).toEqual([{ event: 'delta', data: 'a\nb', id: '7' }]);
  });

  it('skips comments and keep-alive pings', () => {
    expect(parse([': ping\n\ndata: x\n\n:\n\n']).map((event) => event.data)).toEqual(['x']);
  });

  it('handles CRLF split between chunks', () => {
    expect(parse(['data: a\r', '\n\r', '\ndata: b\r\n\r\n']).map((event) => event.data)).toEqual(['a', 'b']);
  });

  it('drops an event without its blank line', () => {
    expect(parse(['data: a\n\ndata: unfinished'])).toHaveLength(1);
  });

  it('decodes UTF-8 split at every byte', () => {
    const text = 'data: {"content":"日本語 🐱 é"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));

    expect(parse(chunks).map((event) => event.data)).toEqual(['{"content":"日本語 🐱 é"}']);
  });

  it('gives the same events for any split', () => {
    const event = fc.record({ data: fc.string({ unit: 'grapheme' }).filter((text) => !/[\r\n]/.test(text)), comment: fc.boolean() });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.constantFrom('\n', '\r\n', '\r'), (events, cuts, newline) => {
        const text = events.map((item) => `${item.comment ? `: ping${newline}` : ''}data: ${item.data}${newline}${newline}`).join('');
        const bytes = new TextEncoder().encode(text);
        const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let start = 0;
        for (const position of [...positions, bytes.length]) {
          chunks.push(bytes.slice(start, position));
          start = position;
        }

        expect(parse(chunks).map((parsed) => parsed.data)).toEqual(events.map((item) => item.data));
      }),
      { numRuns: 300 },
    );
  });
});
