/**
 * Virtual API keys: `sk-slim-` followed by 32 random bytes in base64url. The gateway stores only a
 * hash of each key, so a leaked key store does not reveal usable keys.
 */

export const API_KEY_PREFIX = 'sk-slim-';

/** Random bytes in a key: 256 bits, beyond brute force even for an unkeyed hash. */
const KEY_RANDOM_BYTES = 32;

/** Characters of a key kept for display (`sk-slim-AbCd…`), enough to tell keys apart in a list. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 4;

const encoder = new TextEncoder();

/** Generates a new plaintext API key from the Web Crypto random source. */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(KEY_RANDOM_BYTES));
  return `${API_KEY_PREFIX}${toBase64Url(bytes)}`;
}

/** Generates a public key id such as `key_3f9c…`, safe to log and to put in URLs. */
export function generateKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `key_${toHex(bytes)}`;
}

/** Returns the part of a key shown in listings and logs. */
export function displayPrefix(apiKey: string): string {
  return `${apiKey.slice(0, DISPLAY_PREFIX_LENGTH)}…`;
}

/**
 * Hashes an API key as hex: HMAC-SHA-256 with `secret` when one is configured, so hashes are
 * useless without the server secret, otherwise plain SHA-256.
 */
export async function hashApiKey(apiKey: string, secret?: string): Promise<string> {
  const data = encoder.encode(apiKey);
  if (secret === undefined || secret === '') {
    return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
  }

  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, data)));
}

/** Compares two secrets in time independent of where they differ, by comparing their SHA-256 digests. */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([hashApiKey(given), hashApiKey(expected)]);
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
