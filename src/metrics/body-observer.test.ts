import { describe, expect, it } from 'vitest';

import { observeBody, type BodyObservation } from './body-observer.js';

const encoder = new TextEncoder();

function observed(kind: 'event-stream' | 'json'): { writer: WritableStreamDefaultWriter<Uint8Array>; output: ReadableStream<Uint8Array>; ended: Promise<BodyObservation> } {
  const source = new TransformStream<Uint8Array, Uint8Array>();
  let clock = 0;
  let resolve!: (observation: BodyObservation) => void;
  const ended = new Promise<BodyObservation>((done) => (resolve = done));
  const output = observeBody(source.readable, kind, () => ++clock, resolve);
  return { writer: source.writable.getWriter(), output, ended };
}

describe('observeBody', () => {
  it('passes each chunk on before the body ends', async () => {
    const { writer, output, ended } = observed('event-stream');
    const reader = output.getReader();

    // The observer reads its source only when asked, so the read is requested before the write.
    const firstRead = reader.read();
    await writer.write(encoder.encode('data: {"choices":[{"text":"Once"}]}\n\n'));
    const first = await firstRead;

    expect(new TextDecoder().decode(first.value)).toContain('Once');
    const lastRead = reader.read();
    await writer.close();
    await lastRead;
    expect((await ended).complete).toBe(true);
  });

  it('reads usage from the final event split across chunks', async () => {
    const { writer, output, ended } = observed('event-stream');
    const done = new Response(output).text();

    await writer.write(encoder.encode('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usa'));
    await writer.write(encoder.encode('ge":{"prompt_tokens":4,"completion_tokens":7}}\n\ndata: [DONE]\n\n'));
    await writer.close();
    await done;

    const observation = await ended;
    expect(observation.usage).toEqual({ promptTokens: 4, completionTokens: 7 });
    expect(observation.contentEvents).toBe(1);
    expect(observation.text).toBe('Hi');
    expect(observation.firstChunkAt).toBe(1);
  });

  it('counts content events when the stream has no usage', async () => {
    const { writer, output, ended } = observed('event-stream');
    const done = new Response(output).text();

    for (const word of ['Once', ' upon', ' a']) await writer.write(encoder.encode(`data: {"choices":[{"text":"${word}"}]}\r\n\r\n`));
    await writer.close();
    await done;

    expect((await ended).usage).toBeNull();
    expect((await ended).contentEvents).toBe(3);
  });

  it('reads usage from a JSON body', async () => {
    const { writer, output, ended } = observed('json');
    const done = new Response(output).text();

    await writer.write(encoder.encode('{"choices":[{"message":{"content":"Hello"}}],'));
    await writer.write(encoder.encode('"usage":{"prompt_tokens":2,"completion_tokens":1}}'));
    await writer.close();
    await done;

    expect((await ended).usage).toEqual({ promptTokens: 2, completionTokens: 1 });
    expect((await ended).text).toBe('Hello');
  });

  it('reports a body cancelled by the reader as incomplete', async () => {
    const { writer, output, ended } = observed('event-stream');
    const reader = output.getReader();
    const firstRead = reader.read();
    await writer.write(encoder.encode('data: {"choices":[{"text":"Once"}]}\n\n'));
    await firstRead;

    await reader.cancel();

    expect((await ended).complete).toBe(false);
  });
});
