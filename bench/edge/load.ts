/**
 * A closed-loop load generator over node:http with keep-alive: `concurrency` clients each send
 * the next request as soon as the previous response has ended.
 */

import { Agent, request as httpRequest } from 'node:http';

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Total requests; the run also stops at `maxSeconds`. */
  requests: number;
  maxSeconds: number;
  /** Request body for the i-th request, so prompts can be unique (cache misses). */
  body: (index: number) => string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  completed: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  /** Full response time per request, in ms. */
  latencies: number[];
  /** Time to the first body byte per request, in ms. */
  firstByte: number[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const latencies: number[] = [];
  const firstByte: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;

  const one = (body: string) =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      let first: number | undefined;
      const request = httpRequest(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...options.headers } },
        (response) => {
          response.on('data', () => {
            first ??= performance.now();
          });
          response.on('end', () => {
            const ended = performance.now();
            if (response.statusCode === 200) {
              latencies.push(ended - sent);
              firstByte.push((first ?? ended) - sent);
            } else {
              errors += 1;
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors += 1;
        resolve();
      });
      request.end(body);
    });

  const client = async () => {
    while (next < options.requests && performance.now() < deadline) {
      const index = next;
      next += 1;
      await one(options.body(index));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  agent.destroy();

  const seconds = (performance.now() - started) / 1000;
  return { completed: latencies.length, errors, seconds, requestsPerSecond: latencies.length / seconds, latencies, firstByte };
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}
