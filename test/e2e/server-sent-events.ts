/**
 * Splits a complete `text/event-stream` body into the `data` payload of each event.
 * It follows the parts of the WHATWG event-stream rules that the tests need. An event ends at a
 * blank line, the `data:` lines of one event join with '\n', and one space after the colon is
 * dropped. Comments and other fields are skipped.
 */
export function parseEventData(stream: string): string[] {
  const events: string[] = [];
  let dataLines: string[] = [];

  for (const line of stream.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (dataLines.length > 0) events.push(dataLines.join('\n'));
      dataLines = [];
    } else if (line.startsWith('data:')) {
      const value = line.slice('data:'.length);
      dataLines.push(value.startsWith(' ') ? value.slice(1) : value);
    }
  }

  if (dataLines.length > 0) events.push(dataLines.join('\n'));
  return events;
}
