import { describe, expect, it } from 'vitest';

import { Flight } from './flight.js';
import { InFlightRegistry } from './in-flight-registry.js';

const encoder = new TextEncoder();

/** Returns a body stream and a controller to write it from the test. */
function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(created) {
      controller = created;
    },
  });
  return { body, controller };
}

describe('Flight', () => {
  it('shares a finished body with joiners', async () => {
    let closed = 0;
    const flight = new Flight({ maxBufferedBytes: 1024, onClosed: () => closed++ });
    const leader = flight.join(undefined, { deferBody: true });
    const joiner = flight.join();

    flight.finish({ status: 200, headers: { 'content-type': 'application/json' } }, '{"id":"x"}');
    leader.leave();

    expect(await joiner.head).toEqual({ status: 200, headers: { 'content-type': 'application/json' } });
    expect(await new Response(joiner.body()).text()).toBe('{"id":"x"}');
    expect(flight.joinable).toBe(false);
    expect(flight.participantCount).toBe(0);
    expect(flight.signal.aborted).toBe(false);
    expect(closed).toBe(1);
  });

  it('subscribes a deferred leader lazily', async () => {
    const flight = new Flight({ maxBufferedBytes: 1024 });
    const leader = flight.join(undefined, { deferBody: true });
    const leaderBody = leader.body();
    const { body, controller } = controlledBody();
    const pumped = flight.start({ status: 200, headers: {} }, body);

    controller.enqueue(encoder.encode('streamed'));
    controller.close();
    await pumped;

    expect(await new Response(leaderBody).text()).toBe('streamed');
    expect(leader.body()).toBe(leaderBody);
  });

  it('replays buffered chunks to late joiners', async () => {
    const flight = new Flight({ maxBufferedBytes: 1024 });
    const leader = flight.join();
    const { body, controller } = controlledBody();
    const pumped = flight.start({ status: 200, headers: {} }, body);

    controller.enqueue(encoder.encode('first '));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const late = flight.join();
    controller.enqueue(encoder.encode('second'));
    controller.close();
    await pumped;

    expect(await new Response(leader.body()).text()).toBe('first second');
    expect(await new Response(late.body()).text()).toBe('first second');
  });

  it('closes to joiners after overflow', async () => {
    const flight = new Flight({ maxBufferedBytes: 4 });
    flight.join();
    const { body, controller } = controlledBody();
    void flight.start({ status: 200, headers: {} }, body);

    controller.enqueue(encoder.encode('too long'));
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(flight.joinable).toBe(false);
  });

  it('aborts once every participant left', async () => {
    const flight = new Flight({ maxBufferedBytes: 1024 });
    const first = flight.join();
    const second = flight.join();
    const { body } = controlledBody();
    void flight.start({ status: 200, headers: {} }, body);

    await first.body().cancel();
    expect(flight.signal.aborted).toBe(false);
    await second.body().cancel();

    expect(flight.signal.aborted).toBe(true);
  });

  it('rejects joiners when the leader fails', async () => {
    const flight = new Flight({ maxBufferedBytes: 1024 });
    const joiner = flight.join();
    const error = new Error('backend down');

    flight.fail(error);

    await expect(joiner.head).rejects.toBe(error);
    expect(flight.joinable).toBe(false);
  });
});

describe('InFlightRegistry', () => {
  it('hands out one leader per key', () => {
    const registry = new InFlightRegistry({ maxFlights: 2, maxBufferedBytes: 1024 });

    const first = registry.claim('a');
    const second = registry.claim('a');
    const other = registry.claim('b');

    expect(first.role).toBe('leader');
    expect(second.role).toBe('joined');
    expect(second.flight).toBe(first.flight);
    expect(other.role).toBe('leader');
  });

  it('forgets a failed flight', () => {
    const registry = new InFlightRegistry({ maxFlights: 2, maxBufferedBytes: 1024 });

    registry.claim('a').flight.fail(new Error('failed'));

    expect(registry.claim('a').role).toBe('leader');
  });
});
