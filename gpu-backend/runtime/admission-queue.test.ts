import { describe, expect, it } from 'vitest';

import { AdmissionQueue } from './admission-queue.js';
import { EngineOverloadedError } from './generation.js';

const never = new AbortController().signal;

describe('AdmissionQueue', () => {
  it('starts the first request at once and queues the next', async () => {
    const queue = new AdmissionQueue(1);
    const first = queue.enqueue(never);
    const second = queue.enqueue(never);
    await first.ready;
    expect(queue.counts()).toEqual({ waiting: 1, running: 1 });

    first.release();
    await second.ready;
    expect(queue.counts()).toEqual({ waiting: 0, running: 1 });
    second.release();
    expect(queue.counts()).toEqual({ waiting: 0, running: 0 });
  });

  it('rejects when the waiting line is full', () => {
    const queue = new AdmissionQueue(1);
    queue.enqueue(never);
    queue.enqueue(never);
    expect(() => queue.enqueue(never)).toThrow(EngineOverloadedError);
  });

  it('withdraws a waiting request on abort', async () => {
    const queue = new AdmissionQueue(2);
    const first = queue.enqueue(never);
    const controller = new AbortController();
    const second = queue.enqueue(controller.signal);
    const third = queue.enqueue(never);

    controller.abort(new Error('client left'));
    await expect(second.ready).rejects.toThrow('client left');
    expect(queue.counts()).toEqual({ waiting: 1, running: 1 });

    first.release();
    await third.ready;
    expect(queue.counts()).toEqual({ waiting: 0, running: 1 });
  });

  it('keeps the slot of an aborted running request until released', async () => {
    const queue = new AdmissionQueue(1);
    const controller = new AbortController();
    const first = queue.enqueue(controller.signal);
    queue.enqueue(never);
    await first.ready;

    controller.abort(new Error('timeout'));
    expect(queue.counts()).toEqual({ waiting: 1, running: 1 });
    first.release();
    expect(queue.counts()).toEqual({ waiting: 0, running: 1 });
  });

  it('ignores a second release', () => {
    const queue = new AdmissionQueue(0);
    const ticket = queue.enqueue(never);
    ticket.release();
    ticket.release();
    expect(queue.counts()).toEqual({ waiting: 0, running: 0 });
  });

  it('rejects an already aborted signal', () => {
    const queue = new AdmissionQueue(1);
    expect(() => queue.enqueue(AbortSignal.abort(new Error('gone')))).toThrow('gone');
  });
});
