import { describe, expect, it } from 'vitest';

import { EventStreamParser, type ServerSentEvent } from '../sse/event-stream-parser.js';
import { formatServerSentEvent } from './server-sent-events.js';

function parse(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new EventStreamParser((event) => events.push(event));
  parser.push(text);
  parser.end();
  return events;
}

describe('formatServerSentEvent', () => {
  it('round-trips multi-line data', () => {
    expect(parse(formatServerSentEvent('line one\r\nline two', 'result'))).toEqual([{ event: 'result', data: 'line one\nline two', id: undefined }]);
  });

  it('writes one data line', () => {
    expect(formatServerSentEvent('[DONE]')).toBe('data: [DONE]\n\n');
  });
});
