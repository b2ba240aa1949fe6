/**
 * A bounded streaming load over loopback HTTP: `requests` completions sent by `concurrency`
 * workers, each timing the arrival of its server-sent events.
 */

import { Worker } from 'node:worker_threads';

export interface RequestTiming {
  /** Seconds from sending the request to the first content event. */
  timeToFirstToken: number;
  /** Seconds between consecutive content events of this request. */
  interTokenLatencies: number[];
  completionTokens: number;
}

export interface LoadResult {
  concurrency: number;
  requests: number;
  /** Wall-clock seconds from the first request sent to the last response read. */
  durationSeconds: number;
  completionTokens: number;
  timings: RequestTiming[];
}

export interface LoadOptions {
  baseUrl: string;
  model: string;
  prompts: readonly string[];
  maxTokens: number;
  concurrency: number;
  requests: number;
}

/** Runs {@link runLoad} in a worker thread (loaded through tsx), off the calling thread. */
export async function runLoadInWorker(options: LoadOptions): Promise<LoadResult> {
  // A worker does not inherit tsx's loader, so a plain-JavaScript bootstrap registers it first.
  const entry = new URL('./load-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the load worker exited with code ${code} before reporting`)));
    });
  } finally {
    await worker.terminate();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const timings: RequestTiming[] = [];
  let next = 0;
  const started = performance.now();

  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      const index = next++;
      timings.push(await timeRequest(options, options.prompts[index % options.prompts.length]!));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const durationSeconds = (performance.now() - started) / 1000;
  const completionTokens = timings.reduce((sum, timing) => sum + timing.completionTokens, 0);
  return { concurrency: options.concurrency, requests: options.requests, durationSeconds, completionTokens, timings };
}

async function timeRequest(options: LoadOptions, prompt: string): Promise<RequestTiming> {
  const sent = performance.now();
  const response = await fetch(`${options.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: options.model, prompt, max_tokens: options.maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || response.body === null) throw new Error(`request failed with status ${response.status}: ${await response.text()}`);

  const decoder = new TextDecoder();
  let buffer = '';
  let firstAt: number | undefined;
  let lastAt = 0;
  const gaps: number[] = [];
  let completionTokens = 0;

  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const bytes = read.value;
    const now = performance.now();
    buffer += decoder.decode(bytes, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop()!;

    for (const event of events) {
      const data = event.slice('data: '.length);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: { text: string }[]; usage?: { completion_tokens: number } | null };
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      if (!chunk.choices.some((choice) => choice.text.length > 0)) continue;

      if (firstAt === undefined) firstAt = now;
      else gaps.push((now - lastAt) / 1000);
      lastAt = now;
    }
  }

  if (firstAt === undefined) throw new Error('the stream ended without text');
  return { timeToFirstToken: (firstAt - sent) / 1000, interTokenLatencies: gaps, completionTokens };
}

/** Returns the q-quantile (0..1) of `values` by the nearest-rank method. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
