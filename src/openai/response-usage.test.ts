import { describe, expect, it } from 'vitest';

import { parseJsonOrUndefined, readResponseUsage } from './response-usage.js';

describe('parseJsonOrUndefined', () => {
  it('parses valid JSON', () => {
    expect(parseJsonOrUndefined('{"a":1}')).toEqual({ a: 1 });
  });

  it('returns undefined for invalid JSON', () => {
    expect(parseJsonOrUndefined('{"a":')).toBeUndefined();
  });
});

describe('readResponseUsage', () => {
  it('reads prompt and completion tokens', () => {
    expect(readResponseUsage({ usage: { prompt_tokens: 3, completion_tokens: 8, total_tokens: 11 } })).toEqual({ prompt_tokens: 3, completion_tokens: 8 });
  });

  it('ignores missing or partial usage', () => {
    expect(readResponseUsage(undefined)).toBeUndefined();
    expect(readResponseUsage({ usage: null })).toBeUndefined();
    expect(readResponseUsage({ usage: { prompt_tokens: 3 } })).toBeUndefined();
    expect(readResponseUsage({ usage: { prompt_tokens: '3', completion_tokens: 8 } })).toBeUndefined();
    expect(readResponseUsage([{ usage: { prompt_tokens: 3, completion_tokens: 8 } }])).toBeUndefined();
  });
});
