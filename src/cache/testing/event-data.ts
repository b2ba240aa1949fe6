import { EventStreamParser } from '../../sse/event-stream-parser.js';

/** Returns the `data` of every event in a complete event-stream body. */
export function parseServerSentEventData(body: string): string[] {
  const data: string[] = [];
  const parser = new EventStreamParser((event) => data.push(event.data));
  parser.push(body);
  parser.end();
  return data;
}
