/**
 * A bounded queue for work off the request path, such as quality replays. At most `concurrency`
 * tasks run at once and at most `maxPending` wait. A task offered to a full queue is dropped,
 * because the sample it would add is not worth unbounded memory or backend load.
 */

export interface BackgroundQueueOptions {
  concurrency: number;
  maxPending: number;
  /** Receives each task's error; tasks are samples, so a failure is logged and not retried. */
  onError: (error: unknown) => void;
}

export class BackgroundQueue {
  readonly #options: BackgroundQueueOptions;
  readonly #pending: (() => Promise<void>)[] = [];
  #running = 0;
  #dropped = 0;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: BackgroundQueueOptions) {
    if (!Number.isSafeInteger(options?.concurrency) || options.concurrency <= 0) throw new TypeError(`BackgroundQueue: options.concurrency must be a positive integer, got ${String(options?.concurrency)}.`);
    if (!Number.isSafeInteger(options.maxPending) || options.maxPending < 0) throw new TypeError(`BackgroundQueue: options.maxPending must be a non-negative integer, got ${String(options.maxPending)}.`);
    this.#options = options;
  }

  /** Tasks dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `task`; returns a promise that settles when it has run, or undefined when dropped. */
  offer(task: () => Promise<void>): Promise<void> | undefined {
    if (this.#pending.length >= this.#options.maxPending && this.#running >= this.#options.concurrency) {
      this.#dropped += 1;
      return undefined;
    }

    return new Promise<void>((resolve) => {
      this.#pending.push(() => task().catch(this.#options.onError).finally(resolve));
      this.#drain();
    });
  }

  /** Resolves when no task is running or waiting. */
  whenIdle(): Promise<void> {
    if (this.#running === 0 && this.#pending.length === 0) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  #drain(): void {
    while (this.#running < this.#options.concurrency && this.#pending.length > 0) {
      const next = this.#pending.shift() as () => Promise<void>;
      this.#running += 1;
      void next().finally(() => {
        this.#running -= 1;
        this.#drain();
        if (this.#running === 0 && this.#pending.length === 0) {
          this.#idle?.resolve();
          this.#idle = undefined;
        }
      });
    }
  }
}
