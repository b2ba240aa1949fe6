/**
 * Splits `text/event-stream` text into whole events, each with the blank line that ends it, so
 * that a filter can drop some events and pass the others on byte for byte.
 */

export interface SplitEvents {
  /** Whole events in order, each ending with its terminating blank line. */
  events: string[];
  /** Text after the last blank line: the start of an event that has not ended yet. */
  rest: string;
}

/**
 * Returns the whole events of `text` and the text after them. An event ends at two line
 * terminators in a row, where a terminator is CRLF, LF or CR. A CR at the very end of `text`
 * counts as a terminator, so an LF that follows it in the next text starts the next part.
 *
 * @example
 * splitEvents('data: a\n\ndata: b'); // { events: ['data: a\n\n'], rest: 'data: b' }
 */
export function splitEvents(text: string): SplitEvents {
  const events: string[] = [];
  let start = 0;
  let terminators = 0;

  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char !== CR && char !== LF) {
      terminators = 0;
      continue;
    }

    if (char === CR && text.charCodeAt(index + 1) === LF) index += 1;
    terminators += 1;
    if (terminators === 2) {
      events.push(text.slice(start, index + 1));
      start = index + 1;
      terminators = 0;
    }
  }
  return { events, rest: text.slice(start) };
}

const CR = 0x0d;
const LF = 0x0a;
