import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EventStreamParser } from '../sse/event-stream-parser.js';
import { guardEventStream, readWholeBody } from './response-body.js';

const encoder = new TextEncoder();

/** Creates a stream of `chunks`, failing with a reset after them when `fail` is set. */
function sourceOf(chunks: Uint8Array[], fail = false): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[index];
      index += 1;
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (fail) controller.error(new TypeError('socket reset'));
      else controller.close();
    },
  });
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const position of [...positions, bytes.length]) {
    chunks.push(bytes.slice(start, position));
    start = position;
  }
  return chunks;
}

/** Index just after the last blank line of `text` (two terminators in a row, CRLF counting once), or 0. */
function lastEventEnd(text: string): number {
  let end = 0;
  let terminators = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char !== '\r' && char !== '\n') {
      terminators = 0;
      continue;
    }
    if (char === '\r' && text[index + 1] === '\n') index += 1;
    terminators += 1;
    if (terminators === 2) {
      end = index + 1;
      terminators = 0;
    }
  }
  return end;
}

function dataOf(text: string): string[] {
  const events: string[] = [];
  const parser = new EventStreamParser((event) => events.push(event.data));
  parser.push(text);
  parser.end();
  return events;
}

describe('guardEventStream', () => {
  it('passes bytes unchanged for any split', async () => {
    const text = ': ping\n\ndata: {"a":"é🐱"}\r\n\r\ndata: b\rdata: c\r\rdata: [DONE]\n\n';
    const bytes = encoder.encode(text);

    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        let ends = 0;
        const guarded = guardEventStream(sourceOf(split(bytes, cuts)), 'b1', () => (ends += 1));
        expect(new Uint8Array(await new Response(guarded).arrayBuffer())).toEqual(bytes);
        expect(ends).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('cuts a failed stream after its last whole event', async () => {
    // Terminators of every kind, and LF alone, which the scanner reads by a faster path.
    const texts = ['data: a\n\ndata: bb\r\n\r\n: c\r\rdata: dd\n\n', 'data: a\n\n: keep\n\ndata: {"b":2}\ndata: c\n\ndata: [DONE]\n\n'];

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...texts), fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), async (text, end, cuts) => {
        const prefix = text.slice(0, end % (text.length + 1));
        const received = await new Response(guardEventStream(sourceOf(split(encoder.encode(prefix), cuts), true), 'b1', () => {})).text();

        // The LF of a CRLF split from its CR may be dropped, so the events are compared, and the
        // bytes before the error event must end at a blank line.
        const beforeError = received.slice(0, received.lastIndexOf('data: {"error"'));
        expect(lastEventEnd(beforeError)).toBe(beforeError.length);
        expect(dataOf(beforeError)).toEqual(dataOf(prefix.slice(0, lastEventEnd(prefix))));
      }),
      { numRuns: 300 },
    );
  });

  it('sends whole events only, then an error event', async () => {
    const chunks = [encoder.encode('data: one\n\ndata: tw'), encoder.encode('o-partial')];
    const text = await new Response(guardEventStream(sourceOf(chunks, true), 'b1', () => {})).text();

    const events = dataOf(text);
    expect(events[0]).toBe('one');
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1] as string)).toEqual({
      error: { message: "The backend 'b1' stopped before finishing its response. Retry the request.", type: 'api_error', param: null, code: 'backend_response_interrupted' },
    });
  });
});

describe('readWholeBody', () => {
  it('joins chunks', async () => {
    const whole = await readWholeBody(sourceOf([encoder.encode('{"a":'), encoder.encode('1}')]), 'b1');
    expect(new TextDecoder().decode(whole)).toBe('{"a":1}');
  });

  it('maps a read failure to a retryable 502', async () => {
    await expect(readWholeBody(sourceOf([encoder.encode('{"a":')], true), 'b1')).rejects.toMatchObject({ status: 502, code: 'backend_response_interrupted' });
  });
});
