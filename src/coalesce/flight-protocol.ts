/**
 * Coalescing through a shared coordinator, for runtimes where one request cannot read a stream
 * that another request opened (workerd). Each gateway request sends its backend call to the
 * coordinator (a Durable Object) instead of the backend. The coordinator makes one backend call
 * per flight key and streams the response to every caller.
 *
 * The request to the coordinator is the backend request itself, plus two headers: the backend
 * URL and the flight key.
 */

import type { FetchFunction } from '../gateway/forward.js';
import { FlightUnsharedError } from './flight.js';
import type { InFlightRegistry } from './in-flight-registry.js';

export const TARGET_URL_HEADER = 'x-slimgate-target-url';
export const FLIGHT_KEY_HEADER = 'x-slimgate-flight-key';
/** Set on the coordinator's reply when the backend could not be reached, with the reason. */
export const FLIGHT_ERROR_HEADER = 'x-slimgate-flight-error';
/** Set on the coordinator's reply: `leader` or `joined`. */
export const FLIGHT_ROLE_HEADER = 'x-slimgate-flight-role';

/** The part of a Durable Object stub that the client side calls. */
export interface FlightCoordinator {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

/**
 * Returns a fetch function that sends backend calls through `coordinator` under `key`. A
 * coordinator reply with {@link FLIGHT_ERROR_HEADER} becomes a thrown TypeError, as a failed
 * fetch would be, so the gateway's error mapping and retries treat it the same.
 */
export function fetchThroughCoordinator(coordinator: FlightCoordinator, key: string): FetchFunction {
  return async (url, init) => {
    const headers = new Headers(init.headers);
    headers.set(TARGET_URL_HEADER, url);
    headers.set(FLIGHT_KEY_HEADER, key);

    const response = await coordinator.fetch('https://coordinator.slimgate.internal/flight', { ...init, method: 'POST', headers });
    const failure = response.headers.get(FLIGHT_ERROR_HEADER);
    if (failure !== null) {
      await response.body?.cancel();
      throw new TypeError(`backend request through the coalescing coordinator failed: ${failure}`);
    }
    return response;
  };
}

export interface CoordinatorContext {
  registry: InFlightRegistry;
  /** Makes the backend call; the global fetch in a Durable Object. */
  fetch: FetchFunction;
  /** Keeps the coordinator alive until the shared body is read. */
  waitUntil(promise: Promise<unknown>): void;
}

/** Request headers that describe the coordinator call itself and are not sent to the backend. */
const COORDINATOR_HEADERS = [TARGET_URL_HEADER, FLIGHT_KEY_HEADER];

/**
 * Serves one coordinator request: joins the flight of its key, or leads a new flight by calling
 * the backend, and returns the shared response. Any backend status is shared as it is.
 */
export async function handleFlightRequest(request: Request, context: CoordinatorContext): Promise<Response> {
  const target = request.headers.get(TARGET_URL_HEADER);
  const key = request.headers.get(FLIGHT_KEY_HEADER);
  if (target === null || key === null) return new Response(`Missing ${TARGET_URL_HEADER} or ${FLIGHT_KEY_HEADER}.`, { status: 400 });

  const claim = context.registry.claim(key);
  const participant = claim.flight.join(request.signal);

  if (claim.role === 'leader') {
    const headers = new Headers(request.headers);
    for (const name of COORDINATOR_HEADERS) headers.delete(name);

    let upstream: Response;
    try {
      upstream = await context.fetch(target, { method: 'POST', headers, body: await request.text(), signal: claim.flight.signal });
    } catch (error) {
      claim.flight.fail(new FlightUnsharedError(error instanceof Error ? error.message : String(error)));
      return flightError(error);
    }

    const shared: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      shared[name] = value;
    });
    if (upstream.body === null) {
      claim.flight.fail(new FlightUnsharedError('the backend response has no body'));
      return new Response(null, { status: upstream.status, headers: shared });
    }
    context.waitUntil(claim.flight.start({ status: upstream.status, headers: shared }, upstream.body));
    return new Response(participant.body(), { status: upstream.status, headers: { ...shared, [FLIGHT_ROLE_HEADER]: 'leader' } });
  }

  try {
    const head = await participant.head;
    return new Response(participant.body(), { status: head.status, headers: { ...head.headers, [FLIGHT_ROLE_HEADER]: 'joined' } });
  } catch (error) {
    return flightError(error);
  }
}

function flightError(error: unknown): Response {
  const reason = (error instanceof Error ? error.message : String(error)).replace(/[\r\n]+/g, ' ').slice(0, 300);
  return new Response(null, { status: 502, headers: { [FLIGHT_ERROR_HEADER]: reason } });
}
