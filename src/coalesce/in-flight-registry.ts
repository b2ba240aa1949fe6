/**
 * The flights in progress, by coalescing key, bounded so that a burst of distinct requests
 * cannot grow it without limit.
 */

import { LRUCache } from 'lru-cache';

import { Flight } from './flight.js';

export interface InFlightRegistryOptions {
  /** Flights tracked at once; beyond it the oldest stops accepting joiners (its call goes on). */
  maxFlights: number;
  /** Bytes each flight buffers for late joiners. */
  maxBufferedBytes: number;
}

export type FlightClaim = { role: 'leader'; flight: Flight } | { role: 'joined'; flight: Flight };

/**
 * @example
 * const registry = new InFlightRegistry({ maxFlights: 10_000, maxBufferedBytes: 1 << 20 });
 * const claim = registry.claim(key);
 */
export class InFlightRegistry {
  private readonly flights: LRUCache<string, Flight>;
  private readonly maxBufferedBytes: number;

  constructor(options: InFlightRegistryOptions) {
    for (const name of ['maxFlights', 'maxBufferedBytes'] as const) {
      const value = options?.[name];
      if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`InFlightRegistry: options.${name} must be a positive integer, got ${String(value)}.`);
    }
    this.flights = new LRUCache<string, Flight>({ max: options.maxFlights });
    this.maxBufferedBytes = options.maxBufferedBytes;
  }

  /** Returns the joinable flight of `key`, or registers a new one that the caller must lead. */
  claim(key: string): FlightClaim {
    const existing = this.flights.get(key);
    if (existing?.joinable === true) return { role: 'joined', flight: existing };

    const flight: Flight = new Flight({
      maxBufferedBytes: this.maxBufferedBytes,
      onClosed: () => {
        if (this.flights.peek(key) === flight) this.flights.delete(key);
      },
    });
    this.flights.set(key, flight);
    return { role: 'leader', flight };
  }

  /** Number of flights that accept joiners. */
  get size(): number {
    return this.flights.size;
  }
}
