/**
 * Coalescing coordinator of the Worker: one Durable Object per flight key (the request's exact
 * cache key and stream mode). Requests to one object share its memory, so the object can make
 * one backend call and stream the response to every gateway request that sends the same call.
 */

import { DurableObject } from 'cloudflare:workers';

import { handleFlightRequest } from '../src/coalesce/flight-protocol.js';
import { InFlightRegistry } from '../src/coalesce/in-flight-registry.js';

/** One object serves one key, so a handful of flights covers retries that overlap a finishing flight. */
const MAX_FLIGHTS_PER_OBJECT = 4;
const MAX_BUFFERED_BYTES = 1024 * 1024;

export class CoalescerObject extends DurableObject {
  readonly #registry = new InFlightRegistry({ maxFlights: MAX_FLIGHTS_PER_OBJECT, maxBufferedBytes: MAX_BUFFERED_BYTES });

  override async fetch(request: Request): Promise<Response> {
    return handleFlightRequest(request, {
      registry: this.#registry,
      fetch: (input, init) => fetch(input, init),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
    });
  }
}
