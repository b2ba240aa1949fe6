import { describe, expect, it } from 'vitest';

import { GatewayConfigError } from './backend.js';
import { DEFAULT_FIRST_BYTE_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, readGatewaySettings } from './settings.js';

const BACKENDS = '[{"name":"local","baseURL":"http://127.0.0.1:8000/v1","models":["stories260K"]}]';

describe('readGatewaySettings', () => {
  it('applies defaults', () => {
    const settings = readGatewaySettings({ BACKENDS });

    expect(settings.backends.map((backend) => backend.name)).toEqual(['local']);
    expect(settings.maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(settings.firstByteTimeoutMs).toBe(DEFAULT_FIRST_BYTE_TIMEOUT_MS);
    expect(settings.logLevel).toBe('info');
  });

  it('reads string and parsed values', () => {
    const settings = readGatewaySettings({
      BACKENDS: JSON.parse(BACKENDS) as unknown,
      MAX_BODY_BYTES: '2048',
      FIRST_BYTE_TIMEOUT_MS: ' 1500 ',
      LOG_LEVEL: 'debug',
    });

    expect(settings.maxBodyBytes).toBe(2048);
    expect(settings.firstByteTimeoutMs).toBe(1500);
    expect(settings.logLevel).toBe('debug');
  });

  it('lists every invalid variable', () => {
    let error: unknown;
    try {
      readGatewaySettings({ BACKENDS: '[{"name":', MAX_BODY_BYTES: '1MB', FIRST_BYTE_TIMEOUT_MS: '0', LOG_LEVEL: 'verbose' });
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(GatewayConfigError);
    const problems = (error as GatewayConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^BACKENDS is not valid JSON \(.+\): "\[\{\\"name\\":"\.$/);
    expect(problems[1]).toBe('MAX_BODY_BYTES must be a positive integer number of bytes, got "1MB".');
    expect(problems[2]).toBe('FIRST_BYTE_TIMEOUT_MS must be a positive integer number of milliseconds, got 0.');
    expect(problems[3]).toBe('LOG_LEVEL must be one of debug, info, warn, error, got "verbose".');
  });

  it('requires BACKENDS', () => {
    expect(() => readGatewaySettings({})).toThrow(/BACKENDS is not set; set it to a JSON array such as/);
  });
});
