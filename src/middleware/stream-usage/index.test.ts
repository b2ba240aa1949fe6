import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { omitUnrequestedUsage, withStreamUsage, withoutUsageChunk } from './index.js';

const encoder = new TextEncoder();
const content = 'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}\n\n';
const usage = 'data: {"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n';
const done = 'data: [DONE]\n\n';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[index];
      index += 1;
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}

function split(text: string, cuts: number[]): string[] {
  const positions = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  return [...positions, text.length].map((position, index, all) => text.slice(index === 0 ? 0 : all[index - 1], position));
}

function appWith(request: Record<string, unknown>, body: string): Hono<{ Variables: { openaiRequest: never } }> {
  const app = new Hono<{ Variables: { openaiRequest: never } }>();
  app.use(async (c, next) => {
    c.set('openaiRequest', request as never);
    await next();
  });
  app.use(omitUnrequestedUsage());
  app.get('/', (c) => c.body(streamOf([body]), 200, { 'content-type': 'text/event-stream' }));
  return app;
}

describe('withStreamUsage', () => {
  it('asks for usage on a stream', () => {
    const request = { model: 'm', messages: [], stream: true, stream_options: { include_obfuscation: false } };

    expect(withStreamUsage(request).stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(request.stream_options).toEqual({ include_obfuscation: false });
  });

  it('replaces null stream options', () => {
    expect(withStreamUsage({ model: 'm', prompt: 'x', stream: true, stream_options: null }).stream_options).toEqual({ include_usage: true });
  });

  it('leaves other requests as they are', () => {
    const plain = { model: 'm', prompt: 'x' };
    const withUsage = { model: 'm', prompt: 'x', stream: true, stream_options: { include_usage: true } };

    expect(withStreamUsage(plain)).toBe(plain);
    expect(withStreamUsage(withUsage)).toBe(withUsage);
  });
});

const decoder = new TextDecoder();

function filtered(chunks: readonly string[]): string {
  return chunks.map((chunk) => decoder.decode(withoutUsageChunk(encoder.encode(chunk)))).join('');
}

describe('withoutUsageChunk', () => {
  it('drops usage events from whole-event chunks', () => {
    const events = [content, content, usage, done];
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (breaks) => {
        // Chunks of whole events: a chunk ends after event i where breaks[i] is set.
        const chunks: string[] = [];
        let current = '';
        events.forEach((event, index) => {
          current += event;
          if (index === events.length - 1 || breaks[index] === true) {
            chunks.push(current);
            current = '';
          }
        });
        expect(filtered(chunks)).toBe(content + content + done);
      }),
    );
  });

  it('passes chunks cut inside an event unchanged', () => {
    const text = content + usage + done;
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 6 }), (cuts) => {
        const result = filtered(split(text, cuts));
        expect([text, content + done]).toContain(result);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a blank line split before the usage event', () => {
    expect(filtered([content.slice(0, -1), `\n${usage}${done}`])).toBe(content + done);
  });

  it('drops a usage chunk with spaces', () => {
    const spaced = 'data: {"choices": [], "usage" : {"prompt_tokens": 3}}\n\n';

    expect(filtered([content + spaced + done])).toBe(content + done);
  });

  it('keeps a chunk with choices and usage', () => {
    const final = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3}}\n\n';

    expect(filtered([final + done])).toBe(final + done);
  });

  it('returns a chunk without usage as it is', () => {
    const chunk = encoder.encode(content);

    expect(withoutUsageChunk(chunk)).toBe(chunk);
  });
});

describe('omitUnrequestedUsage', () => {
  it('removes usage the client did not ask for', async () => {
    const response = await appWith({ model: 'm', stream: true }, content + usage + done).request('/');

    expect(await response.text()).toBe(content + done);
  });

  it('keeps usage the client asked for', async () => {
    const response = await appWith({ model: 'm', stream: true, stream_options: { include_usage: true } }, content + usage + done).request('/');

    expect(await response.text()).toBe(content + usage + done);
  });
});
