/**
 * An incremental `text/event-stream` parser that follows the WHATWG HTML rules for interpreting an
 * event stream. Lines end at CRLF, LF or CR, and a blank line dispatches the event. Lines starting
 * with ':' are comments (keep-alive pings). One space after the field's colon is dropped, and the
 * `data` lines of one event are joined with '\n'. Bytes may arrive split anywhere, including inside
 * a UTF-8 character or between CR and LF.
 */

export interface ServerSentEvent {
  /** The `event` field, or 'message' when absent. */
  event: string;
  data: string;
  /** The `id` field, or undefined when the event has none. */
  id: string | undefined;
}

/**
 * Parses a stream fed in arbitrary chunks.
 *
 * @example
 * const parser = new EventStreamParser((event) => console.log(event.data));
 * parser.push(chunk); // Uint8Array or string, any split
 * parser.end();
 */
export class EventStreamParser {
  readonly #onEvent: (event: ServerSentEvent) => void;
  readonly #decoder = new TextDecoder('utf-8');
  /** Text after the last complete line. */
  #pending = '';
  /** True when the previous chunk ended with CR, so a leading LF belongs to that line end. */
  #afterCarriageReturn = false;
  #dataLines: string[] = [];
  #eventType = '';
  #eventId: string | undefined;

  constructor(onEvent: (event: ServerSentEvent) => void) {
    this.#onEvent = onEvent;
  }

  /** Feeds the next chunk; complete events are dispatched before it returns. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    if (text === '') return;
    this.#afterCarriageReturn = text.endsWith('\r');

    const lines = (this.#pending + text).split(/\r\n|\r|\n/);
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#processLine(line);
  }

  /**
   * Ends the stream. A final line without a line break is processed, and an undispatched event is
   * dropped, as the standard requires.
   */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest !== '') this.push(rest);
    if (this.#pending !== '') this.#processLine(this.#pending);
    this.#pending = '';
  }

  #processLine(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);

    if (field === 'data') this.#dataLines.push(value);
    else if (field === 'event') this.#eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.#eventId = value;
  }

  #dispatch(): void {
    if (this.#dataLines.length > 0) {
      this.#onEvent({ event: this.#eventType === '' ? 'message' : this.#eventType, data: this.#dataLines.join('\n'), id: this.#eventId });
    }
    this.#dataLines = [];
    this.#eventType = '';
  }
}
