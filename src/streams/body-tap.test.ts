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
