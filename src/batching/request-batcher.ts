/**
 * Dynamic request batching for one backend, modelled on Triton's dynamic batcher. Requests that
 * arrive within `maxDelayMs` of the first queued one, up to `maxBatchSize`, go to the backend in
 * one batch call (batch-protocol.ts). The multiplexed reply is split back into one Response per
 * request, streams included. Higher `priority` requests leave the queue first.
 */

import type { FetchFunction } from '../gateway/forward.js';
import { EventStreamParser } from '../sse/event-stream-parser.js';
import type { BatchEvent, BatchRequestItem } from './batch-protocol.js';

export interface RequestBatcherOptions {
  /** URL of the backend's batch endpoint, e.g. `http://127.0.0.1:8000/v1/batch/completions`. */
  batchURL: string;
  maxBatchSize: number;
  /** Maximum time the first queued request waits for others, in milliseconds. */
  maxDelayMs: number;
  /**
   * Batch calls in flight at once; further requests queue, and leave by priority when one ends.
   * Default: no limit, so priority only orders requests within a batch.
   */
  maxInFlightBatches?: number;
  fetch: FetchFunction;
}

export interface BatchedRequest extends BatchRequestItem {
  /** Larger values leave the queue first; equal priorities keep arrival order. */
  priority: number;
  signal?: AbortSignal;
  /** Called with the number of requests in the batch call that carried this one. */
  onBatched?: (batchSize: number) => void;
}

interface Pending {
  request: BatchedRequest;
  sequence: number;
  resolve: (response: Response) => void;
  reject: (error: unknown) => void;
  controller?: ReadableStreamDefaultController<Uint8Array>;
  settled: boolean;
}

/**
 * @example
 * const batcher = new RequestBatcher({ batchURL: `${baseURL}/batch/completions`, maxBatchSize: 8, maxDelayMs: 5, fetch });
 * const response = await batcher.submit({ endpoint: 'completions', body, priority: 0 });
 */
export class RequestBatcher {
  private readonly options: RequestBatcherOptions;
  private queue: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sequence = 0;
  private inFlight = 0;
  /** Backend batch calls made, for benchmarks and tests. */
  batchCalls = 0;

  constructor(options: RequestBatcherOptions) {
    if (!Number.isSafeInteger(options?.maxBatchSize) || options.maxBatchSize < 1) throw new TypeError(`RequestBatcher: options.maxBatchSize must be a positive integer, got ${String(options?.maxBatchSize)}.`);
    if (!(options.maxDelayMs >= 0 && options.maxDelayMs <= 10_000)) throw new TypeError(`RequestBatcher: options.maxDelayMs must be from 0 to 10000 milliseconds, got ${String(options.maxDelayMs)}.`);
    this.options = options;
  }

  /** Queues a request; resolves with its own Response once the batch reply has its head. */
  submit(request: BatchedRequest): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const pending: Pending = { request, sequence: this.sequence++, resolve, reject, settled: false };
      request.signal?.addEventListener('abort', () => this.abandon(pending), { once: true });

      this.queue.push(pending);
      if (this.queue.length >= this.options.maxBatchSize && this.inFlight < this.maxInFlight) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;

    this.queue.sort((a, b) => b.request.priority - a.request.priority || a.sequence - b.sequence);
    const batch = this.queue.slice(0, this.options.maxBatchSize);
    this.queue = this.queue.slice(batch.length);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), this.options.maxDelayMs);

    this.inFlight += 1;
    void this.send(batch).finally(() => {
      this.inFlight -= 1;
      if (this.queue.length > 0) this.flush();
    });
  }

  private get maxInFlight(): number {
    return this.options.maxInFlightBatches ?? Number.POSITIVE_INFINITY;
  }

  private async send(batch: Pending[]): Promise<void> {
    this.batchCalls += 1;
    for (const pending of batch) pending.request.onBatched?.(batch.length);

    let response: Response;
    try {
      response = await this.options.fetch(this.options.batchURL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ requests: batch.map(({ request }) => ({ endpoint: request.endpoint, body: request.body, requestId: request.requestId })) }),
      });
    } catch (error) {
      this.failAll(batch, error);
      return;
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      this.failAll(batch, new TypeError(`batch call to ${this.options.batchURL} failed with status ${response.status}`));
      return;
    }

    const encoder = new TextEncoder();
    const parser = new EventStreamParser((event) => this.dispatch(batch, JSON.parse(event.data) as BatchEvent, encoder));
    try {
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) parser.push(read.value);
      parser.end();
      // Requests still open here never got their `end` event.
      this.failAll(batch, new TypeError('the batch reply ended before this request finished'));
    } catch (error) {
      this.failAll(batch, error);
    }
  }

  private dispatch(batch: Pending[], event: BatchEvent, encoder: TextEncoder): void {
    const pending = batch[event.index];
    if (pending === undefined) return;

    switch (event.type) {
      case 'head': {
        const body = new ReadableStream<Uint8Array>({
          start: (controller) => {
            pending.controller = controller;
          },
          // NOTE: the other requests of the batch go on, and the backend keeps generating this one.
          cancel: () => {
            pending.controller = undefined;
          },
        });
        pending.settled = true;
        pending.resolve(new Response(body, { status: event.status, headers: event.headers }));
        return;
      }
      case 'chunk':
        pending.controller?.enqueue(encoder.encode(event.data));
        return;
      case 'end':
        pending.controller?.close();
        pending.controller = undefined;
        return;
      case 'error':
        pending.controller?.error(new Error(event.message));
        pending.controller = undefined;
    }
  }

  private failAll(batch: readonly Pending[], error: unknown): void {
    for (const pending of batch) {
      if (!pending.settled) {
        pending.settled = true;
        pending.reject(error);
      } else if (pending.controller !== undefined) {
        pending.controller.error(error);
        pending.controller = undefined;
      }
    }
  }

  private abandon(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index === -1) return;
    this.queue.splice(index, 1);
    pending.settled = true;
    pending.reject(new DOMException('The client closed the request before its batch was sent.', 'AbortError'));
  }
}
