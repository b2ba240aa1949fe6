import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { canonicalJson } from './canonical-json.js';
import { computeCacheKeys, isDeterministic, webCryptoSha256Hex } from './cache-key.js';

const BASE_CHAT = {
  model: 'stories260K',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Tell me a story.' },
  ],
  temperature: 0,
};

const keyOf = async (request: Record<string, unknown>, tenantId = 'acme', endpoint: 'chat.completions' | 'completions' = 'chat.completions') =>
  (await computeCacheKeys({ tenantId, endpoint, request: request as never })).exact;

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}');
  });

  it('drops undefined members', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });
});

describe('computeCacheKeys', () => {
  const changes: [string, Record<string, unknown>][] = [
    ['model', { model: 'other-model' }],
    ['user message', { messages: [BASE_CHAT.messages[0], { role: 'user', content: 'Tell me a poem.' }] }],
    ['system message', { messages: [{ role: 'system', content: 'You are verbose.' }, BASE_CHAT.messages[1]] }],
    ['message role', { messages: [BASE_CHAT.messages[0], { role: 'assistant', content: 'Tell me a story.' }] }],
    [
      'tool message',
      { messages: [...BASE_CHAT.messages, { role: 'tool', tool_call_id: 'call_1', content: '42' }] },
    ],
    ['temperature', { temperature: 0.5 }],
    ['top_p', { top_p: 0.9 }],
    ['max_tokens', { max_tokens: 16 }],
    ['stop', { stop: ['\n'] }],
    ['n', { n: 2 }],
    ['seed', { seed: 7 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] }],
    ['tool_choice', { tool_choice: 'none' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['presence_penalty', { presence_penalty: 0.5 }],
  ];

  it.each(changes)('changes when %s changes', async (_name, change) => {
    const base = await keyOf(BASE_CHAT);
    expect(await keyOf({ ...BASE_CHAT, ...change })).not.toBe(base);
  });

  it('changes with the tenant', async () => {
    expect(await keyOf(BASE_CHAT, 'acme')).not.toBe(await keyOf(BASE_CHAT, 'globex'));
  });

  it('changes with the endpoint', async () => {
    const request = { model: 'stories260K', prompt: 'Once', temperature: 0 };
    expect(await keyOf(request, 'acme', 'completions')).not.toBe(await keyOf(request, 'acme', 'chat.completions'));
  });

  it('changes with the completion prompt', async () => {
    const request = { model: 'stories260K', prompt: 'Once', temperature: 0 };
    expect(await keyOf(request, 'acme', 'completions')).not.toBe(await keyOf({ ...request, prompt: 'Twice' }, 'acme', 'completions'));
  });

  const irrelevant: [string, Record<string, unknown>][] = [
    ['key order', { temperature: 0, messages: BASE_CHAT.messages, model: 'stories260K' }],
    ['stream', { ...BASE_CHAT, stream: true, stream_options: { include_usage: true } }],
    ['user', { ...BASE_CHAT, user: 'user-123' }],
    ['message key order', { ...BASE_CHAT, messages: BASE_CHAT.messages.map(({ role, content }) => ({ content, role })) }],
    ['explicit default top_p', { ...BASE_CHAT, top_p: 1 }],
    ['null seed', { ...BASE_CHAT, seed: null }],
  ];

  it.each(irrelevant)('ignores %s', async (_name, request) => {
    expect(await keyOf(request)).toBe(await keyOf(BASE_CHAT));
  });

  it('treats missing temperature as 1', async () => {
    const { temperature: _, ...withoutTemperature } = BASE_CHAT;
    expect(await keyOf(withoutTemperature)).toBe(await keyOf({ ...BASE_CHAT, temperature: 1 }));
    expect(await keyOf(withoutTemperature)).not.toBe(await keyOf(BASE_CHAT));
  });

  it('keeps the scope across message changes', async () => {
    const first = await computeCacheKeys({ tenantId: 'acme', endpoint: 'chat.completions', request: BASE_CHAT, withScope: true });
    const second = await computeCacheKeys({
      tenantId: 'acme',
      endpoint: 'chat.completions',
      request: { ...BASE_CHAT, messages: [{ role: 'user', content: 'Another story.' }] },
      withScope: true,
    });

    expect(second.exact).not.toBe(first.exact);
    expect(second.scope).toBe(first.scope);
    expect(first.exact).toMatch(/^[0-9a-f]{64}$/);
  });

  it('separates scopes by parameter', async () => {
    const first = await computeCacheKeys({ tenantId: 'acme', endpoint: 'chat.completions', request: BASE_CHAT, withScope: true });
    const second = await computeCacheKeys({ tenantId: 'acme', endpoint: 'chat.completions', request: { ...BASE_CHAT, max_tokens: 3 }, withScope: true });
    expect(first.scope).toMatch(/^[0-9a-f]{64}$/);
    expect(second.scope).not.toBe(first.scope);
  });
});

describe('cache key digests', () => {
  const nodeSha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it.each([['ascii', 'Tell me a story.'], ['non-ASCII', 'Erzähl 🐉 一个故事'], ['lone surrogate', 'broken \ud800 pair']])('node:crypto matches Web Crypto for %s text', async (_name, text) => {
    expect(nodeSha256Hex(text)).toBe(await webCryptoSha256Hex(text));
  });

  it('keys match across digest functions', async () => {
    const input = { tenantId: 'acme', endpoint: 'chat.completions', request: BASE_CHAT as never, withScope: true } as const;

    const webCrypto = await computeCacheKeys(input);
    const node = await computeCacheKeys({ ...input, sha256Hex: nodeSha256Hex });

    expect(node.exact).toBe(webCrypto.exact);
    expect(node.scope).toBe(webCrypto.scope);
  });
});

describe('isDeterministic', () => {
  it.each([
    [{ temperature: 0 }, true],
    [{ seed: 1 }, true],
    [{ temperature: 0.7, seed: 3 }, true],
    [{}, false],
    [{ temperature: 0.2 }, false],
    [{ seed: null }, false],
  ])('%j is %s', (request, expected) => {
    expect(isDeterministic(request)).toBe(expected);
  });
});
