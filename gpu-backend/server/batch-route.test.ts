/**
 * The batch route on the real backend app with the stories260K engine: each request of a batch
 * gets the same result as when sent alone.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BatchEvent } from '../../src/batching/batch-protocol.js';
import { parseServerSentEventData } from '../../src/cache/testing/event-data.js';
import { createBackendFixture, MODEL_ID, type BackendFixture } from './testing/backend-fixture.js';

let fixture: BackendFixture;

beforeAll(async () => {
  fixture = await createBackendFixture({ maxQueue: 8, maxBatchSize: 4 });
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

function eventsByIndex(text: string): Map<number, BatchEvent[]> {
  const byIndex = new Map<number, BatchEvent[]>();
  for (const data of parseServerSentEventData(text)) {
    const event = JSON.parse(data) as BatchEvent;
    byIndex.set(event.index, [...(byIndex.get(event.index) ?? []), event]);
  }
  return byIndex;
}

describe('batch route', () => {
  it('matches separate greedy requests', async () => {
    const requests = [
      { endpoint: 'completions', body: { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 } },
      { endpoint: 'chat.completions', body: { model: MODEL_ID, messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 8, temperature: 0, stream: true } },
    ];

    const response = await fixture.post('/v1/batch/completions', { requests });
    const events = eventsByIndex(await response.text());
    const alone = await (await fixture.post('/v1/completions', requests[0]!.body)).json();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const first = events.get(0)!;
    expect(first[0]).toMatchObject({ type: 'head', status: 200 });
    expect(first.at(-1)).toEqual({ index: 0, type: 'end' });
    const firstBody = JSON.parse(first.flatMap((event) => (event.type === 'chunk' ? [event.data] : [])).join('')) as { choices: { text: string }[] };
    expect(firstBody.choices[0]?.text).toBe((alone as { choices: { text: string }[] }).choices[0]?.text);

    const second = events.get(1)!;
    const stream = second.flatMap((event) => (event.type === 'chunk' ? [event.data] : [])).join('');
    expect(parseServerSentEventData(stream).at(-1)).toBe('[DONE]');
    expect(second.at(-1)).toEqual({ index: 1, type: 'end' });
  });

  it('passes an invalid request error through', async () => {
    const response = await fixture.post('/v1/batch/completions', { requests: [{ endpoint: 'completions', body: { model: MODEL_ID, prompt: 'x', max_tokens: -1 } }] });
    const events = eventsByIndex(await response.text()).get(0)!;

    expect(events[0]).toMatchObject({ type: 'head', status: 400 });
  });

  it('rejects an invalid batch body', async () => {
    const response = await fixture.post('/v1/batch/completions', { requests: [] });
    const body = (await response.json()) as { error: { code: string } };

    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_batch');
  });
});
