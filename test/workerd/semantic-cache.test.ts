/**
 * The semantic result-cache tier of the gateway Worker inside workerd (vitest.config.ts binds
 * RESULT_CACHE=semantic), with the scorer tables that scripts/build-edge-data.ts bundles.
 */

import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const GATEWAY = 'http://gateway.test';

/** Sends one chat request with the same model and parameters as every other in this file. */
async function chat(content: string, requestId: string): Promise<Response> {
  const body = { model: 'mock-ok', messages: [{ role: 'user', content }], max_tokens: 3, temperature: 0 };
  const response = await exports.default.fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
  });
  return response;
}

describe('semantic result cache in workerd', () => {
  it('serves a paraphrase from the cache', async () => {
    const first = await chat('How do I reset my workerd password?', 'wd-semantic-1');
    await first.text();
    const paraphrase = await chat('how do i reset my workerd password', 'wd-semantic-2');
    await paraphrase.text();

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(paraphrase.headers.get('x-slimgate-cache-status')).toBe('semantic-hit');
    expect(Number(paraphrase.headers.get('x-slimgate-cache-similarity'))).toBeGreaterThan(0.9);
    expect(paraphrase.headers.get('x-slimgate-billed-tokens')).toBe('0');
  });

  it('does not match a request that flips a number', async () => {
    const first = await chat('Write a workerd story about 3 dogs.', 'wd-semantic-3');
    await first.text();
    const flipped = await chat('Write a workerd story about 4 dogs.', 'wd-semantic-4');
    await flipped.text();

    expect(first.headers.get('x-slimgate-cache-status')).toBe('miss');
    expect(flipped.headers.get('x-slimgate-cache-status')).toBe('miss');
  });
});
