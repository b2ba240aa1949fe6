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
