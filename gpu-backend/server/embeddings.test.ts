import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/log/logger.js';
import { validateErrorResponse } from '../../src/openai/generated/response-validators.js';
import { EmbeddingBatcher } from '../embeddings/embedding-batcher.js';
import { loadEmbeddingModel } from '../embeddings/load-embedding-model.js';
import { writeTinyEncoder } from '../embeddings/testing/tiny-encoder.js';
import { createBackendApp } from './app.js';
import { createBackendFixture, MODEL_ID, type BackendFixture } from './testing/backend-fixture.js';
import { loadEmbeddingValidators, type EmbeddingValidators } from './testing/embedding-spec.js';

const GLOVE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/embeddings/glove-twitter-25d');

let backend: BackendFixture;
let encoderDir: string;
let batchers: Map<string, EmbeddingBatcher>;
let app: ReturnType<typeof createBackendApp>;
let spec: EmbeddingValidators;

beforeAll(async () => {
  backend = await createBackendFixture();
  spec = await loadEmbeddingValidators();
  encoderDir = await mkdtemp(path.join(tmpdir(), 'slimgate-encoder-'));
  await writeTinyEncoder(encoderDir);

  const session = { executionProvider: 'cpu' as const, intraOpNumThreads: 1 };
  batchers = new Map([
    ['tiny-encoder', new EmbeddingBatcher(await loadEmbeddingModel('tiny-encoder', encoderDir, session), { windowMs: 20, maxWaitingInputs: 64, metrics: backend.metrics })],
    ['glove-twitter-25d', new EmbeddingBatcher(await loadEmbeddingModel('glove-twitter-25d', GLOVE_DIR, session), { windowMs: 2, maxWaitingInputs: 64 })],
  ]);
  app = createBackendApp({ engine: backend.engine, modelId: MODEL_ID, logger: silentLogger, requestTimeoutMs: 10_000, metrics: backend.metrics, embeddingModels: batchers });
});

afterAll(async () => {
  for (const batcher of batchers.values()) await batcher.model.close();
  await backend.close();
  await rm(encoderDir, { recursive: true, force: true });
});

interface EmbeddingBody {
  data: { index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

async function embed(body: Record<string, unknown>): Promise<{ status: number; json: EmbeddingBody }> {
  expect(spec.request(body), JSON.stringify(spec.request.errors)).toBe(true);
  const response = await app.request('/v1/embeddings', { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as EmbeddingBody };
}

function norm(vector: number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i]!, 0) / (norm(a) * norm(b));
}

describe('POST /v1/embeddings', () => {
  it('embeds a string with the ONNX encoder', async () => {
    const { status, json } = await embed({ model: 'tiny-encoder', input: 'the cat sat on the mat' });
    expect(status).toBe(200);
    expect(spec.response(json), JSON.stringify(spec.response.errors)).toBe(true);
    expect(json.model).toBe('tiny-encoder');
    expect(json.data).toHaveLength(1);
    expect(json.data[0]!.embedding).toHaveLength(8);
    expect(norm(json.data[0]!.embedding as number[])).toBeCloseTo(1, 5);
    expect(json.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
  });

  it('embeds an array in input order', async () => {
    const { json } = await embed({ model: 'tiny-encoder', input: ['the dog ran', 'a big red ball', 'the dog ran'] });
    expect(spec.response(json)).toBe(true);
    expect(json.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(json.data[2]!.embedding).toEqual(json.data[0]!.embedding);
    expect(json.data[1]!.embedding).not.toEqual(json.data[0]!.embedding);
  });

  it('returns base64 float32 vectors', async () => {
    const float = await embed({ model: 'tiny-encoder', input: 'the cat' });
    const base64 = await embed({ model: 'tiny-encoder', input: 'the cat', encoding_format: 'base64' });
    const encoded = base64.json.data[0]!.embedding as string;
    expect(typeof encoded).toBe('string');

    const bytes = Buffer.from(encoded, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(float.json.data[0]!.embedding);
    // The spec types `embedding` as a number array only, so validate the decoded form.
    base64.json.data[0]!.embedding = decoded;
    expect(spec.response(base64.json)).toBe(true);
  });

  it('truncates to a supported dimensions value', async () => {
    const full = (await embed({ model: 'tiny-encoder', input: 'the cat' })).json.data[0]!.embedding as number[];
    const { status, json } = await embed({ model: 'tiny-encoder', input: 'the cat', dimensions: 4 });
    expect(status).toBe(200);
    const short = json.data[0]!.embedding as number[];
    expect(short).toHaveLength(4);
    expect(norm(short)).toBeCloseTo(1, 5);
    expect(cosine(short, full.slice(0, 4))).toBeCloseTo(1, 5);
  });

  it('rejects an unsupported dimensions value', async () => {
    const response = await app.request('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model: 'glove-twitter-25d', input: 'hi', dimensions: 5 }) });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(validateErrorResponse(body)).toBe(true);
    expect(body).toMatchObject({ error: { param: 'dimensions', type: 'invalid_request_error' } });
  });

  it.each([
    ['input', { model: 'tiny-encoder', input: '' }],
    ['input', { model: 'tiny-encoder', input: [] }],
    ['input', { model: 'tiny-encoder', input: [[1, 2, 3]] }],
    ['encoding_format', { model: 'tiny-encoder', input: 'x', encoding_format: 'int8' }],
    ['dimensions', { model: 'tiny-encoder', input: 'x', dimensions: 0 }],
    ['stream', { model: 'tiny-encoder', input: 'x', stream: true }],
  ])('rejects a bad %s', async (param, body) => {
    const response = await app.request('/v1/embeddings', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    const json = await response.json();
    expect(validateErrorResponse(json)).toBe(true);
    expect(json).toMatchObject({ error: { param } });
  });

  it('answers an unknown model with 404', async () => {
    const response = await app.request('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_found' } });
  });

  it('embeds with GloVe so that similar sentences score higher', async () => {
    const { status, json } = await embed({
      model: 'glove-twitter-25d',
      input: ['a man is playing the guitar', 'a person plays a guitar', 'the stock market fell sharply today'],
    });
    expect(status).toBe(200);
    expect(spec.response(json)).toBe(true);
    const [guitar, plays, market] = json.data.map((item) => item.embedding as number[]);
    expect(guitar).toHaveLength(25);
    expect(cosine(guitar!, plays!)).toBeGreaterThan(cosine(guitar!, market!));
    expect(json.usage.prompt_tokens).toBe(6 + 5 + 6);
  });

  it('batches concurrent requests into one forward pass', async () => {
    const before = backend.metrics.embeddingBatchSize.get();
    const responses = await Promise.all(['the cat', 'the dog', 'a red ball', 'the big park'].map((input) => embed({ model: 'tiny-encoder', input })));
    const after = backend.metrics.embeddingBatchSize.get();
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(after.sum - before.sum).toBe(4);
    expect(after.count - before.count).toBeLessThan(4);
  });

  it('lists embedding models', async () => {
    const response = await app.request('/v1/models');
    const body = (await response.json()) as { data: { id: string }[] };
    expect(body.data.map((model) => model.id)).toEqual([MODEL_ID, 'tiny-encoder', 'glove-twitter-25d']);
  });
});
