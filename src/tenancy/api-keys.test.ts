import { describe, expect, it } from 'vitest';

import { API_KEY_PREFIX, displayPrefix, generateApiKey, hashApiKey, secretsEqual } from './api-keys.js';

describe('API keys', () => {
  it('generates distinct prefixed keys', () => {
    const first = generateApiKey();
    const second = generateApiKey();

    expect(first.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(first).toMatch(/^sk-slim-[\w-]{43}$/);
    expect(first).not.toBe(second);
  });

  it('hashes with SHA-256 without a secret', async () => {
    // SHA-256 of "abc", from FIPS 180-2 appendix B.1.
    expect(await hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes with HMAC when a secret is set', async () => {
    // HMAC-SHA-256 test case 2 of RFC 4231: key "Jefe", data "what do ya want for nothing?".
    expect(await hashApiKey('what do ya want for nothing?', 'Jefe')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('shows only a prefix', () => {
    const key = generateApiKey();
    expect(displayPrefix(key)).toBe(`${key.slice(0, 12)}…`);
  });

  it('compares secrets', async () => {
    expect(await secretsEqual('admin-token-1234567', 'admin-token-1234567')).toBe(true);
    expect(await secretsEqual('admin-token-1234568', 'admin-token-1234567')).toBe(false);
  });
});
