/**
 * One backend response shared by every identical request that arrives while it is in flight.
 *
 * The first request (the leader) makes the backend call and hands the response to the flight.
 * The flight reads the body once and fans the bytes out to every participant. A participant
 * that joins late first receives the chunks buffered so far, so every client gets the whole
 * body from its start. The backend call is aborted only when every participant has gone.
 */

/** Status and headers of the shared response. */
export interface FlightHead {
  status: number;
  headers: Record<string, string>;
}

/** Raised to joiners when the leader's response cannot be shared, so each makes its own call. */
export class FlightUnsharedError extends Error {
  constructor(reason: string) {
    super(`the in-flight response cannot be shared: ${reason}`);
    this.name = 'FlightUnsharedError';
  }
}

export interface FlightParticipant {
  /** Resolves with the response head, or rejects with the leader's error. */
  head: Promise<FlightHead>;
  /** Returns the body from its first byte; read it only after `head` resolved. */
  body(): ReadableStream<Uint8Array>;
  /** Leaves the flight without reading the body. */
  leave(): void;
}

export interface JoinOptions {
  /**
   * Subscribes to the body only when `body()` is first called. Only the leader may defer, and it
   * must call `body()` before {@link Flight.start}, so that it cannot miss a chunk.
   */
  deferBody?: boolean;
}

type FlightState = 'pending' | 'streaming' | 'done' | 'failed';

const encoder = new TextEncoder();

export interface FlightOptions {
  /** Bytes buffered for late joiners; beyond it the flight accepts no new participants. */
  maxBufferedBytes: number;
  /** Called once when the flight stops accepting participants (finished, failed or overflowed). */
  onClosed?: () => void;
}

export class Flight {
  private readonly options: FlightOptions;
  private readonly abortController = new AbortController();
  /** Each open body stream with the function that removes its participant. */
  private readonly subscribers = new Map<ReadableStreamDefaultController<Uint8Array>, () => void>();
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;
  private overflowed = false;
  private state: FlightState = 'pending';
  private participants = 0;
  private closedNotified = false;
  private streamError: unknown;
  private resolveHead!: (head: FlightHead) => void;
  private rejectHead!: (error: unknown) => void;
  private readonly head: Promise<FlightHead>;

  constructor(options: FlightOptions) {
    this.options = options;
    this.head = new Promise<FlightHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    // Joiners attach their own handlers; this one only keeps an unobserved rejection quiet.
    this.head.catch(() => undefined);
  }

  /** Aborts the backend call once every participant has left; pass it to the backend fetch. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  /** Whether a new request can still join and receive the whole body. */
  get joinable(): boolean {
    return !this.overflowed && (this.state === 'pending' || this.state === 'streaming');
  }

  /** Number of participants that have not left. */
  get participantCount(): number {
    return this.participants;
  }

  /**
   * Adds a participant. `clientSignal` is the participant's request signal: once it aborts, the
   * participant no longer keeps the backend call alive.
   */
  join(clientSignal?: AbortSignal, options: JoinOptions = {}): FlightParticipant {
    if (!this.joinable) throw new Error('Flight.join: the flight no longer accepts participants.');
    this.participants++;

    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.participants--;
      if (this.participants === 0 && (this.state === 'pending' || this.state === 'streaming')) this.abortController.abort();
    };
    clientSignal?.addEventListener('abort', leave, { once: true });
    if (clientSignal?.aborted === true) leave();

    // Subscribing now, before the head arrives, means no chunk can be missed even if the
    // buffer for later joiners overflows in between.
    let body = options.deferBody === true ? undefined : this.subscribe(leave);
    return { head: this.head, body: () => (body ??= this.subscribe(leave)), leave };
  }

  /** Starts fanning out `body`; returns a promise that settles when the body is fully read. */
  start(head: FlightHead, body: ReadableStream<Uint8Array>): Promise<void> {
    if (this.state !== 'pending') throw new Error(`Flight.start: the flight is already ${this.state}.`);
    this.state = 'streaming';
    this.resolveHead(head);
    return this.pump(body.getReader());
  }

  /**
   * Shares a body that is already complete: every subscriber gets `text` as UTF-8 at once and
   * its end. A flight without subscribers, the usual case, encodes nothing.
   */
  finish(head: FlightHead, text: string): void {
    if (this.state !== 'pending') throw new Error(`Flight.finish: the flight is already ${this.state}.`);
    this.state = 'streaming';
    this.resolveHead(head);
    if (this.subscribers.size > 0) {
      const body = encoder.encode(text);
      for (const [subscriber, leave] of this.subscribers) this.deliver(subscriber, leave, body);
    }

    this.state = 'done';
    for (const [subscriber, leave] of this.subscribers) {
      subscriber.close();
      leave();
    }
    this.subscribers.clear();
    this.chunks = [];
    this.notifyClosed();
  }

  /** Fails every participant that has not received the head yet. */
  fail(error: unknown): void {
    if (this.state !== 'pending') return;
    this.state = 'failed';
    this.rejectHead(error);
    this.notifyClosed();
  }

  private subscribe(leave: () => void): ReadableStream<Uint8Array> {
    let subscriber: ReadableStreamDefaultController<Uint8Array> | undefined;

    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          for (const chunk of this.chunks) controller.enqueue(chunk);
          if (this.state === 'done') {
            controller.close();
            leave();
            return;
          }
          if (this.state === 'failed') {
            controller.error(this.streamError);
            leave();
            return;
          }
          subscriber = controller;
          this.subscribers.set(controller, leave);
        },
        cancel: () => {
          if (subscriber !== undefined) this.subscribers.delete(subscriber);
          leave();
        },
      },
      { highWaterMark: this.options.maxBufferedBytes, size: (chunk) => chunk.byteLength },
    );
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.buffer(value);
        for (const [subscriber, leave] of this.subscribers) this.deliver(subscriber, leave, value);
        if (this.participants === 0) {
          await reader.cancel();
          break;
        }
      }
      this.state = 'done';
      for (const [subscriber, leave] of this.subscribers) {
        subscriber.close();
        leave();
      }
    } catch (error) {
      this.state = 'failed';
      this.streamError = error;
      for (const [subscriber, leave] of this.subscribers) {
        subscriber.error(error);
        leave();
      }
    } finally {
      this.subscribers.clear();
      this.chunks = [];
      this.notifyClosed();
    }
  }

  private buffer(chunk: Uint8Array): void {
    if (this.overflowed) return;
    this.bufferedBytes += chunk.byteLength;
    if (this.bufferedBytes <= this.options.maxBufferedBytes) {
      this.chunks.push(chunk);
      return;
    }

    // Late joiners could no longer get the whole body, so the flight closes to them.
    this.overflowed = true;
    this.chunks = [];
    this.notifyClosed();
  }

  /** Enqueues a chunk, and fails a client that falls more than `maxBufferedBytes` behind rather than buffering without bound. */
  private deliver(subscriber: ReadableStreamDefaultController<Uint8Array>, leave: () => void, chunk: Uint8Array): void {
    subscriber.enqueue(chunk);
    if ((subscriber.desiredSize ?? 0) < 0) {
      this.subscribers.delete(subscriber);
      leave();
      subscriber.error(new Error(`the client fell more than ${this.options.maxBufferedBytes} bytes behind the shared response`));
    }
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.options.onClosed?.();
  }
}
