import { describe, expect, it } from 'vitest';

import { GatewayConfigError, parseBackends } from './backend.js';

function problemsOf(value: unknown): readonly string[] {
  try {
    parseBackends(value);
  } catch (error) {
    if (error instanceof GatewayConfigError) return error.problems;
    throw error;
  }
  throw new Error('Expected the configuration to be rejected.');
}

describe('parseBackends', () => {
  it('fills in defaults', () => {
    const [backend] = parseBackends([{ name: 'local', baseURL: 'http://127.0.0.1:8000/v1/', models: ['stories260K'] }]);

    expect(backend).toEqual({
      name: 'local',
      baseURL: 'http://127.0.0.1:8000/v1',
      models: ['stories260K'],
      paths: { completions: '/completions', chatCompletions: '/chat/completions' },
      parameterMap: {},
      responseTransform: undefined,
      firstByteTimeoutMs: undefined,
    });
  });

  it('accepts every optional field', () => {
    const [backend] = parseBackends([
      {
        name: 'tgi',
        baseURL: 'https://inference.internal',
        models: ['a', 'b'],
        paths: { chatCompletions: null },
        parameterMap: { max_tokens: 'max_new_tokens', user: null },
        responseTransform: 'override-model',
        firstByteTimeoutMs: 5000,
      },
    ]);

    expect(backend?.paths).toEqual({ completions: '/completions', chatCompletions: null });
    expect(backend?.parameterMap).toEqual({ max_tokens: 'max_new_tokens', user: null });
    expect(backend?.responseTransform).toBe('override-model');
    expect(backend?.firstByteTimeoutMs).toBe(5000);
  });

  it('rejects a non-array', () => {
    expect(problemsOf({ name: 'local' })).toEqual(['BACKENDS must be a non-empty JSON array of backends, got {"name":"local"}.']);
    expect(problemsOf([])).toEqual(['BACKENDS must be a non-empty JSON array of backends, got [].']);
  });

  it('names every invalid field', () => {
    const problems = problemsOf([
      {
        name: 'has space',
        baseURL: 'ftp://host',
        models: [''],
        paths: { completions: 'completions', embeddings: '/embeddings' },
        parameterMap: { stream: 'streaming', n: 3 },
        responseTransform: 'uppercase',
        firstByteTimeoutMs: -1,
        apiKey: 'secret',
      },
    ]);

    expect(problems).toEqual([
      'BACKENDS[0].apiKey is not a known backend field (known: name, baseURL, models, paths, parameterMap, responseTransform, firstByteTimeoutMs, variant).',
      `BACKENDS[0].name must be 1 to 64 letters, digits, '_', '.' or '-', got "has space".`,
      'BACKENDS[0].baseURL must be an absolute http:// or https:// URL, got "ftp://host".',
      'BACKENDS[0].models[0] must be a non-empty string, got "".',
      `BACKENDS[0].paths.completions must be a path starting with '/', or null if the endpoint is not served, got "completions".`,
      'BACKENDS[0].paths.embeddings is not a known endpoint (known: completions, chatCompletions).',
      'BACKENDS[0].parameterMap.stream cannot be mapped, because the gateway reads it.',
      'BACKENDS[0].parameterMap.n must be a field name or null, got 3.',
      'BACKENDS[0].responseTransform must be one of override-model, got "uppercase".',
      'BACKENDS[0].firstByteTimeoutMs must be a positive integer number of milliseconds, got -1.',
    ]);
  });

  it('rejects a URL with a query', () => {
    expect(problemsOf([{ name: 'a', baseURL: 'http://127.0.0.1:8000/v1?key=1', models: ['m'] }])).toEqual([
      'BACKENDS[0].baseURL must not contain a query or fragment, got "http://127.0.0.1:8000/v1?key=1".',
    ]);
  });

  it('rejects duplicate names', () => {
    const problems = problemsOf([
      { name: 'a', baseURL: 'http://127.0.0.1:8000/v1', models: ['m1', 'm2'] },
      { name: 'a', baseURL: 'http://127.0.0.1:8001/v1', models: ['m2'] },
    ]);

    expect(problems).toEqual(["BACKENDS has two backends named 'a'."]);
  });

  it('accepts several backends per model', () => {
    const backends = parseBackends([
      { name: 'a', baseURL: 'http://127.0.0.1:8000/v1', models: ['m'] },
      { name: 'b', baseURL: 'http://127.0.0.1:8001/v1', models: ['m'] },
    ]);

    expect(backends.map((backend) => backend.name)).toEqual(['a', 'b']);
  });

  it('reads the deployed variant', () => {
    const [backend] = parseBackends([{ name: 'a', baseURL: 'http://127.0.0.1:8000/v1', models: ['m'], variant: 'q4' }]);

    expect(backend?.variant).toBe('q4');
    expect(problemsOf([{ name: 'a', baseURL: 'http://127.0.0.1:8000/v1', models: ['m'], variant: 'four bits' }])).toEqual([
      `BACKENDS[0].variant must be 1 to 64 letters, digits, '_', '.' or '-', got "four bits".`,
    ]);
  });

  it('rejects a backend with no endpoint', () => {
    expect(problemsOf([{ name: 'a', baseURL: 'http://127.0.0.1:8000/v1', models: ['m'], paths: { completions: null, chatCompletions: null } }])).toEqual([
      'BACKENDS[0].paths disables every endpoint.',
    ]);
  });

  it('formats the error message as a list', () => {
    expect(() => parseBackends([{ name: 'a' }])).toThrow(/^Invalid gateway configuration:\n- BACKENDS\[0\]\.baseURL/);
  });
});
