/**
 * Resilient routing of the gateway Worker inside workerd: a model served by a stopped and a
 * working backend (test/workerd/backends.ts). Workers have no timers between requests, so the
 * gateway learns that a backend is down from request outcomes alone.
 */

import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { parseEventData } from '../e2e/server-sent-events.js';
import { expectMatchesSchema } from '../e2e/spec-assertions.js';

const GATEWAY = 'http://gateway.test';

function post(body: unknown): Promise<Response> {
  return exports.default.fetch(`${GATEWAY}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('routing in workerd', () => {
  it('falls back from a stopped backend', async () => {
    for (let index = 0; index < 8; index += 1) {
      const response = await post({ model: 'mock-fallback', prompt: `p${index}`, max_tokens: 2 });
      const body = (await response.json()) as { choices: { text: string }[] };

      expect(response.status).toBe(200);
      expectMatchesSchema('CreateCompletionResponse', body);
      expect(body.choices[0]?.text).toBe('Once upon');
    }
  });

  it('streams after a fallback', async () => {
    const response = await post({ model: 'mock-fallback', prompt: 'p', max_tokens: 3, stream: true });

    expect(response.status).toBe(200);
    const events = parseEventData(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
  });

  it('answers OpenAI-shaped errors when retries run out', async () => {
    const response = await post({ model: 'mock-stopped', prompt: 'p' });
    const body = (await response.json()) as { error: unknown };

    expect([502, 503]).toContain(response.status);
    expectMatchesSchema('ErrorResponse', body);
  });
});
