/**
 * Observers of a response body that see every chunk on its way to the client without changing it.
 * Several observers share one stream ({@link TappedBody}), because in Node 20 every web stream
 * costs a `makeTransferable` call and a pipe step per chunk.
 */

import { EventStreamParser } from '../sse/event-stream-parser.js';

/**
 * Why a body ended: `complete` when its source finished it, `cancelled` when the reader went
 * away, `failed` when reading from the source failed.
 */
export type BodyOutcome = 'complete' | 'cancelled' | 'failed';

export interface BodyTap {
  /** Receives each chunk, in order, before the reader does. */
  chunk?(chunk: Uint8Array): void;
  /**
   * Receives each server-sent event of an event-stream body, in order, once its blank line has
   * arrived. Only taps of event streams set it: the body is parsed when any of its taps does.
   */
  event?(event: TappedEvent): void;
  /** Runs once when the body ends. The reader sees the end only after it settles. */
  end?(outcome: BodyOutcome): void | Promise<void>;
}

/** One server-sent event, shared by the taps of a body, so that it is parsed once for all. */
export interface TappedEvent {
  /** The `event` field, or 'message' when absent. */
  readonly type: string;
  readonly data: string;
  /**
   * Returns `data` parsed as JSON, or undefined when it is not valid JSON. It is parsed on the
   * first call and the value is shared, so taps must not modify it.
   */
  json(): unknown;
}

/**
 * Rewrites each chunk on its way to the reader, after every tap has seen it. Returns the bytes to
 * pass on (the chunk itself to pass it unchanged), or undefined to pass nothing for it.
 */
export type BodyFilter = (chunk: Uint8Array) => Uint8Array | undefined;

/**
 * A body with the bytes of its source that shows each chunk to every tap, in the order the taps
 * were added, and ends them in that order. Filters then rewrite what the reader gets.
 *
 * It reads its source only when its reader asks (a high-water mark of zero), so every tap added
 * before the first read receives the whole body. Adding a tap or a filter after that throws.
 */
export class TappedBody {
  readonly stream: ReadableStream<Uint8Array>;
  readonly #taps: BodyTap[] = [];
  readonly #filters: BodyFilter[] = [];
  /** The event parser, created at the first read when a tap takes events. */
  #events: EventStreamParser | undefined;
  #reading = false;
  #ended = false;

  constructor(body: ReadableStream<Uint8Array>, first?: BodyTap) {
    if (first !== undefined) this.#taps.push(first);
    const reader = body.getReader();

    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (!this.#reading) this.#events = this.#eventParser();
          this.#reading = true;

          // A chunk that the filters drop whole gives the reader nothing, so the next one is read.
          for (;;) {
            let result: ReadableStreamReadResult<Uint8Array>;
            try {
              result = await reader.read();
            } catch (error) {
              await this.#end('failed');
              controller.error(error);
              return;
            }

            if (result.done) {
              this.#events?.end();
              await this.#end('complete');
              controller.close();
              return;
            }
            for (const tap of this.#taps) tap.chunk?.(result.value);
            this.#events?.push(result.value);
            const passed = this.#filter(result.value);
            if (passed !== undefined) {
              controller.enqueue(passed);
              return;
            }
          }
        },
        cancel: async (reason) => {
          // Ending first marks the body cancelled: cancelling the source makes a pending read
          // return done, which would otherwise look like a complete body.
          const ending = this.#end('cancelled');
          await reader.cancel(reason);
          await ending;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Adds a tap. Throws once the body is being read. */
  add(tap: BodyTap): void {
    if (this.#reading) throw new Error('TappedBody.add: the body is already being read.');
    this.#taps.push(tap);
  }

  /** Adds a filter, applied after those added before it. Throws once the body is being read. */
  addFilter(filter: BodyFilter): void {
    if (this.#reading) throw new Error('TappedBody.addFilter: the body is already being read.');
    this.#filters.push(filter);
  }

  #eventParser(): EventStreamParser | undefined {
    const listeners = this.#taps.filter((tap) => tap.event !== undefined);
    if (listeners.length === 0) return undefined;
    return new EventStreamParser((parsed) => {
      const event = sharedEvent(parsed.event, parsed.data);
      for (const tap of listeners) tap.event!(event);
    });
  }

  #filter(chunk: Uint8Array): Uint8Array | undefined {
    let passed: Uint8Array | undefined = chunk;
    for (const filter of this.#filters) {
      passed = filter(passed);
      if (passed === undefined || passed.byteLength === 0) return undefined;
    }
    return passed;
  }

  async #end(outcome: BodyOutcome): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const tap of this.#taps) await tap.end?.(outcome);
  }
}

function sharedEvent(type: string, data: string): TappedEvent {
  let parsed: { value: unknown } | undefined;
  return {
    type,
    data,
    json() {
      parsed ??= { value: parseJson(data) };
      return parsed.value;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Returns a stream with the bytes of `body`, observed by `taps`. */
export function tappedStream(body: ReadableStream<Uint8Array>, ...taps: BodyTap[]): ReadableStream<Uint8Array> {
  const tapped = new TappedBody(body);
  for (const tap of taps) tapped.add(tap);
  return tapped.stream;
}
