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
      maxBatchSize: 64,
      maxTokensPerStep: 512,
      requestTimeoutMs: 300_000,
      deploymentPollMs: 1000,
      embeddingModels: [],
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
      MAX_BATCH_SIZE: '8',
      MAX_TOKENS_PER_STEP: '64',
      REQUEST_TIMEOUT_MS: '1500',
      DEPLOYMENT_POLL_MS: '250',
      EMBEDDING_MODELS: 'glove=/models/glove, mini = /models/mini',
    });
    expect(config).toEqual({
      modelDir: '/models/a',
      modelId: 'a',
      host: '::1',
      port: 9000,
      executionProvider: 'cuda',
      intraOpNumThreads: 2,
      maxQueue: 0,
      maxBatchSize: 8,
      maxTokensPerStep: 64,
      requestTimeoutMs: 1500,
      deploymentPollMs: 250,
      embeddingModels: [
        { id: 'glove', dir: '/models/glove' },
        { id: 'mini', dir: '/models/mini' },
      ],
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
    [{ MAX_BATCH_SIZE: '64', MAX_TOKENS_PER_STEP: '64' }, /must exceed MAX_BATCH_SIZE/],
    [{ EMBEDDING_MODELS: 'glove' }, /expected id=folder/],
    [{ EMBEDDING_MODELS: 'a=/x,a=/y' }, /unique/],
  ])('rejects %o', (env, message) => {
    expect(() => readBackendConfig([], env)).toThrow(message);
  });

  it('rejects unknown flags', () => {
    expect(() => readBackendConfig(['--gpu'], {})).toThrow();
  });
});
