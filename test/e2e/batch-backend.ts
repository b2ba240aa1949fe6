/**
 * Loopback test double of a backend with the batch endpoint: the project's real batch route
 * (gpu-backend/server/batch-route.ts) on a Hono app whose generation routes return a fixed story
 * cut to `max_tokens` words, as JSON or as server-sent events. It counts batch calls and the
 * generation requests they carry, so tests can check how requests were grouped.
 */

import type { AddressInfo } from 'node:net';

import { serve } from '@hono/node-server';
import { Hono } from 'hono';

import { registerBatchRoute } from '../../gpu-backend/server/batch-route.js';

const STORY = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' robot'];

export interface BatchBackend {
  /** Base URL of the OpenAI API, e.g. `http://127.0.0.1:40123/v1`. */
  baseURL: string;
  /** Number of requests in each batch call, in arrival order. */
  readonly batchSizes: readonly number[];
  /** Generation requests served directly, outside any batch call. */
  readonly directCalls: number;
  close(): Promise<void>;
}

export async function startBatchBackend(): Promise<BatchBackend> {
  const batchSizes: number[] = [];
  let directCalls = 0;
  const app = new Hono();

  app.use('/v1/batch/completions', async (c, next) => {
    const body = (await c.req.raw.clone().json()) as { requests?: unknown[] };
    batchSizes.push(body.requests?.length ?? 0);
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    // @hono/node-server passes the Node request as `env.incoming`; the batch route's internal
    // app.request calls have no env, so only calls over HTTP count as direct.
    const overHttp = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    if (overHttp && c.req.path !== '/v1/batch/completions') directCalls += 1;
    await next();
  });

  const generate = (chat: boolean) =>
    app.post(chat ? '/v1/chat/completions' : '/v1/completions', async (c) => {
      const body = (await c.req.json()) as { model: string; max_tokens?: number; stream?: boolean };
      const words = STORY.slice(0, body.max_tokens ?? STORY.length);
      const base = { id: chat ? 'chatcmpl-batch' : 'cmpl-batch', created: 1_700_000_000, model: body.model };
      const usage = { prompt_tokens: 3, completion_tokens: words.length, total_tokens: 3 + words.length };

      if (body.stream !== true) {
        return c.json(
          chat
            ? { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: words.join(''), refusal: null }, logprobs: null, finish_reason: 'length' }], usage }
            : { ...base, object: 'text_completion', choices: [{ index: 0, text: words.join(''), logprobs: null, finish_reason: 'length' }], usage },
        );
      }

      const encoder = new TextEncoder();
      const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const [index, word] of words.entries()) {
            controller.enqueue(
              event({
                ...base,
                object: chat ? 'chat.completion.chunk' : 'text_completion',
                choices: [chat ? { index: 0, delta: index === 0 ? { role: 'assistant', content: word } : { content: word }, logprobs: null, finish_reason: null } : { index: 0, text: word, logprobs: null, finish_reason: null }],
              }),
            );
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          controller.enqueue(event({ ...base, object: chat ? 'chat.completion.chunk' : 'text_completion', choices: [chat ? { index: 0, delta: {}, logprobs: null, finish_reason: 'length' } : { index: 0, text: '', logprobs: null, finish_reason: 'length' }] }));
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
        },
      });
      return c.body(stream, 200, { 'content-type': 'text/event-stream' });
    });
  generate(false);
  generate(true);
  registerBatchRoute(app);

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    batchSizes,
    get directCalls() {
      return directCalls;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
