/**
 * A FIFO of requests waiting for one of a fixed number of running slots, bounded so that
 * overload is rejected at admission instead of growing memory and latency without limit.
 */

import { EngineOverloadedError } from './generation.js';

const RETRY_AFTER_SECONDS = 1;

export class AdmissionTicket {
  /** Resolves when the ticket gets a running slot; rejects with the abort reason if cancelled first. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (reason: unknown) => void;
  state: 'waiting' | 'running' | 'released' = 'waiting';
  /** Removes the abort listener once the ticket is released. */
  detach: () => void = () => {};

  constructor(private readonly queue: AdmissionQueue) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // A ticket cancelled before anyone awaits it must not surface as an unhandled rejection.
    this.ready.catch(() => {});
  }

  /** Gives the slot (or the place in line) back; safe to call more than once. */
  release(): void {
    this.queue.release(this);
  }

  start(): void {
    this.state = 'running';
    this.resolveReady();
  }

  cancel(reason: unknown): void {
    this.rejectReady(reason);
  }
}

export class AdmissionQueue {
  private readonly waiting: AdmissionTicket[] = [];
  private running = 0;

  constructor(
    readonly maxWaiting: number,
    readonly maxRunning = 1,
  ) {
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be a non-negative integer, got ${maxWaiting}`);
    if (!Number.isInteger(maxRunning) || maxRunning < 1) throw new RangeError(`maxRunning must be a positive integer, got ${maxRunning}`);
  }

  /** Admits a request or throws {@link EngineOverloadedError}; aborting `signal` withdraws it while it waits. */
  enqueue(signal: AbortSignal): AdmissionTicket {
    signal.throwIfAborted();
    const ticket = new AdmissionTicket(this);

    if (this.running < this.maxRunning && this.waiting.length === 0) {
      this.running++;
      ticket.start();
    } else if (this.waiting.length < this.maxWaiting) {
      this.waiting.push(ticket);
    } else {
      throw new EngineOverloadedError(this.maxWaiting, RETRY_AFTER_SECONDS);
    }

    // Only a waiting ticket is withdrawn here. A running one is released by its owner once the
    // forward pass in flight has finished, so that the next request never overlaps it.
    const onAbort = (): void => {
      if (ticket.state !== 'waiting') return;
      ticket.cancel(signal.reason);
      ticket.release();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ticket.detach = () => signal.removeEventListener('abort', onAbort);
    return ticket;
  }

  release(ticket: AdmissionTicket): void {
    if (ticket.state === 'released') return;

    if (ticket.state === 'waiting') {
      const index = this.waiting.indexOf(ticket);
      if (index >= 0) this.waiting.splice(index, 1);
      ticket.cancel(new Error('the request was withdrawn before it started'));
    } else {
      this.running--;
      this.startNext();
    }
    ticket.state = 'released';
    ticket.detach();
  }

  counts(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  private startNext(): void {
    while (this.running < this.maxRunning && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      next.start();
    }
  }
}
