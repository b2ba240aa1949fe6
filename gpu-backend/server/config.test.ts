import { describe, expect, it } from 'vitest';

import { readBackendConfig } from './config.js';

describe('readBackendConfig', () => {
  it('applies defaults', () => {
    expect(readBackendConfig([], {})).toEqual({
      modelDir: undefined,
      modelId: 'stories260K',
      host: '127.0.0.1',
      port: 8000,
      executionProvider: 'cpu',
      intraOpNumThreads: undefined,
      maxQueue: 64,
      requestTimeoutMs: 300_000,
    });
  });

  it('reads environment variables', () => {
    const config = readBackendConfig([], {
      MODEL_DIR: '/models/a',
      MODEL_ID: 'a',
      HOST: '::1',
      PORT: '9000',
      EXECUTION_PROVIDER: 'cuda',
      INTRA_OP_THREADS: '2',
      MAX_QUEUE: '0',
      REQUEST_TIMEOUT_MS: '1500',
    });
    expect(config).toEqual({
      modelDir: '/models/a',
      modelId: 'a',
      host: '::1',
      port: 9000,
      executionProvider: 'cuda',
      intraOpNumThreads: 2,
      maxQueue: 0,
      requestTimeoutMs: 1500,
    });
  });

  it('lets flags override variables', () => {
    const config = readBackendConfig(['--port', '7000', '--model-dir', '/models/b'], { PORT: '9000', MODEL_DIR: '/models/a' });
    expect(config.port).toBe(7000);
    expect(config.modelDir).toBe('/models/b');
  });

  it.each([
    [{ PORT: '0' }, /PORT/],
    [{ PORT: '80.5' }, /PORT/],
    [{ EXECUTION_PROVIDER: 'tpu' }, /expected cpu or cuda/],
    [{ INTRA_OP_THREADS: '0' }, /INTRA_OP_THREADS/],
    [{ MAX_QUEUE: '-1' }, /MAX_QUEUE/],
    [{ REQUEST_TIMEOUT_MS: 'soon' }, /REQUEST_TIMEOUT_MS/],
  ])('rejects %o', (env, message) => {
    expect(() => readBackendConfig([], env)).toThrow(message);
  });

  it('rejects unknown flags', () => {
    expect(() => readBackendConfig(['--gpu'], {})).toThrow();
  });
});
