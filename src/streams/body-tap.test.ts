import { describe, expect, it } from 'vitest';

import { TappedBody, tappedStream, type BodyOutcome, type BodyTap } from './body-tap.js';

const encoder = new TextEncoder();

function recordingTap(name: string, log: string[]): BodyTap {
  return {
    chunk: (chunk) => log.push(`${name} chunk ${new TextDecoder().decode(chunk)}`),
    end: async (outcome: BodyOutcome) => {
      await Promise.resolve();
      log.push(`${name} end ${outcome}`);
    },
  };
}

describe('tappedStream', () => {
  it('calls every tap in order', async () => {
    const log: string[] = [];
    const tapped = new TappedBody(new Response('abc').body!, recordingTap('inner', log));
    await Promise.resolve();
    tapped.add(recordingTap('outer', log));

    expect(await new Response(tapped.stream).text()).toBe('abc');
    expect(log).toEqual(['inner chunk abc', 'outer chunk abc', 'inner end complete', 'outer end complete']);
  });

  it('ends taps before the reader', async () => {
    let settled = false;
    const stream = tappedStream(
      new Response('x').body!,
      {
        end: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          settled = true;
        },
      },
    );
    const reader = stream.getReader();

    await reader.read();
    expect((await reader.read()).done).toBe(true);
    expect(settled).toBe(true);
  });

  it('rejects a tap after reading starts', async () => {
    const tapped = new TappedBody(new Response('abc').body!);
    const reader = tapped.stream.getReader();
    await reader.read();
    await reader.read();

    expect(() => tapped.add({})).toThrow('the body is already being read');
  });

  it('reports a cancel by the reader', async () => {
    const outcomes: BodyOutcome[] = [];
    const source = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(encoder.encode('more')) });
    const reader = tappedStream(source, { end: (outcome) => void outcomes.push(outcome) }).getReader();

    await reader.read();
    await reader.cancel('gone');

    expect(outcomes).toEqual(['cancelled']);
  });

  it('reports and passes a source failure', async () => {
    const outcomes: BodyOutcome[] = [];
    const source = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error('backend failed')) });
    const stream = tappedStream(source, { end: (outcome) => void outcomes.push(outcome) });

    await expect(new Response(stream).text()).rejects.toThrow('backend failed');
    expect(outcomes).toEqual(['failed']);
  });
});

function chunked(parts: readonly string[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[index];
      index += 1;
      if (part === undefined) controller.close();
      else controller.enqueue(encoder.encode(part));
    },
  });
}

describe('tapped events', () => {
  it('parses events split across chunks once for every tap', async () => {
    const seen: { tap: string; type: string; data: string; json: unknown }[] = [];
    const listener = (tap: string): BodyTap => ({ event: (event) => seen.push({ tap, type: event.type, data: event.data, json: event.json() }) });
    const stream = tappedStream(chunked(['data: {"a"', ':1}\r\n\r\nevent: ping\ndata: x\n', '\ndata: [DONE]\n\n']), listener('first'), listener('second'));

    expect(await new Response(stream).text()).toBe('data: {"a":1}\r\n\r\nevent: ping\ndata: x\n\ndata: [DONE]\n\n');
    expect(seen.map(({ tap, type, data, json }) => [tap, type, data, json])).toEqual([
      ['first', 'message', '{"a":1}', { a: 1 }],
      ['second', 'message', '{"a":1}', { a: 1 }],
      ['first', 'ping', 'x', undefined],
      ['second', 'ping', 'x', undefined],
      ['first', 'message', '[DONE]', undefined],
      ['second', 'message', '[DONE]', undefined],
    ]);
    expect(seen[0]!.json).toBe(seen[1]!.json);
  });

  it('passes what a filter returns', async () => {
    const tapped = new TappedBody(chunked(['keep ', 'drop ', 'keep']));
    const chunks: string[] = [];
    tapped.add({ chunk: (chunk) => chunks.push(new TextDecoder().decode(chunk)) });
    tapped.addFilter((chunk) => (new TextDecoder().decode(chunk).startsWith('drop') ? undefined : chunk));

    expect(await new Response(tapped.stream).text()).toBe('keep keep');
    expect(chunks).toEqual(['keep ', 'drop ', 'keep']);
  });
});
