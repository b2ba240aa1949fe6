import { describe, expect, it } from 'vitest';

import { parseJsonSetting } from './json-setting.js';

describe('parseJsonSetting', () => {
  it('parses a string', () => {
    expect(parseJsonSetting('{"a":[1,2]}', 'SETTING')).toEqual({ ok: true, value: { a: [1, 2] } });
  });

  it('passes other values through', () => {
    const value = { a: 1 };

    const setting = parseJsonSetting(value, 'SETTING');

    expect(setting).toEqual({ ok: true, value });
    expect(setting.ok ? setting.value : undefined).toBe(value);
  });

  it('names the setting on invalid JSON', () => {
    const setting = parseJsonSetting('{"a":', 'COST_MODEL');

    expect(setting.ok).toBe(false);
    expect(setting.ok ? '' : setting.problem).toMatch(/^COST_MODEL is not valid JSON \(.+\)\.$/);
  });
});
