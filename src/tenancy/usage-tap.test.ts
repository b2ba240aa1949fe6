import { describe, expect, it } from 'vitest';

import type { TokenUsage } from './pricing.js';
import { tapUsage, type BodyOutcome } from './usage-tap.js';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** Splits the UTF-8 bytes of `text` into pieces of `size` bytes, cutting multi-byte characters. */
function byteChunks(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.slice(offset, offset + size));
  return chunks;
}

async function run(text: string, format: 'json' | 'event-stream', size: number) {
  const ends: { usage: TokenUsage | undefined; outcome: BodyOutcome }[] = [];
  const tapped = tapUsage(streamOf(byteChunks(text, size)), format, async (usage, outcome) => {
    ends.push({ usage, outcome });
  });
  const passed = await new Response(tapped).text();
  return { passed, ends };
}

describe('usage tap', () => {
  it('reads usage from a JSON body', async () => {
    const body = JSON.stringify({ choices: [{ text: 'héllo 🐱' }], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });
    const { passed, ends } = await run(body, 'json', 7);

    expect(passed).toBe(body);
    expect(ends).toEqual([{ usage: { prompt_tokens: 3, completion_tokens: 5 }, outcome: 'complete' }]);
  });

  it('reads the usage chunk of a byte-split stream', async () => {
    const stream = [
      ': ping\n\n',
      'data: {"choices":[{"delta":{"content":"çà 🐱"}}]}\n\n',
      ': keep-alive\r\n\r\n',
      'data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}\r\n\r\n',
      'data: [DONE]\n\n',
    ].join('');

    for (const size of [1, 2, 3, 5, 64]) {
      const { passed, ends } = await run(stream, 'event-stream', size);
      expect(passed).toBe(stream);
      expect(ends).toEqual([{ usage: { prompt_tokens: 4, completion_tokens: 2 }, outcome: 'complete' }]);
    }
  });

  it('reports no usage when absent', async () => {
    const { ends } = await run('data: {"choices":[]}\n\ndata: [DONE]\n\n', 'event-stream', 4);
    expect(ends).toEqual([{ usage: undefined, outcome: 'complete' }]);
  });

  it('reports a cancelled body', async () => {
    const ends: BodyOutcome[] = [];
    const source = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array([100])) });
    const reader = tapUsage(source, 'event-stream', async (_usage, outcome) => {
      ends.push(outcome);
    }).getReader();

    await reader.read();
    await reader.cancel();
    expect(ends).toEqual(['cancelled']);
  });
});
