/**
 * Serialization of server-sent events; src/sse/event-stream-parser.ts parses them.
 */

/** Serializes one event with a `data` line per line of `data`, as the event-stream format requires. */
export function formatServerSentEvent(data: string, event?: string): string {
  const eventLine = event === undefined ? '' : `event: ${event}\n`;
  return `${eventLine}${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
