/**
 * Dynamic batcher of the Worker: one Durable Object per batched backend. Gateway requests in any
 * isolate hand their backend call to it, and it sends the calls that arrive within the delay as
 * one batch call to the backend (src/batching/request-batcher.ts).
 */

import { DurableObject } from 'cloudflare:workers';

import { handleBatcherRequest, type BatcherRegistry } from '../src/batching/batcher-protocol.js';

export class BatcherObject extends DurableObject {
  readonly #batchers: BatcherRegistry = new Map();

  override async fetch(request: Request): Promise<Response> {
    return handleBatcherRequest(request, this.#batchers, (input, init) => fetch(input, init));
  }
}
