/**
 * {@link Embedder} adapters for embedding services: an OpenAI-compatible `/v1/embeddings`
 * endpoint (the project's backend) and a Workers AI binding.
 */

import type { Embedder } from './semantic/embedder.js';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface OpenAIEmbeddingsOptions {
  /** Base URL that `/embeddings` is appended to, e.g. `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  model: string;
  /** Length of the vectors the model returns. */
  dimension: number;
  fetch?: FetchFunction;
  /** Time allowed for one embeddings call, in milliseconds. Default 5 s. */
  timeoutMs?: number;
}

/**
 * Calls `POST {baseURL}/embeddings` with OpenAI's request shape and returns the vectors in input
 * order. Throws when the service fails or returns vectors of another length.
 *
 * @example
 * const embedder = new OpenAIEmbeddingsClient({ baseURL: 'http://127.0.0.1:8000/v1', model: 'minilm', dimension: 384 });
 */
export class OpenAIEmbeddingsClient implements Embedder {
  readonly name: string;
  readonly dimension: number;
  private readonly options: Required<Omit<OpenAIEmbeddingsOptions, 'fetch'>> & { fetch: FetchFunction };

  constructor(options: OpenAIEmbeddingsOptions) {
    if (!/^https?:\/\//.test(options?.baseURL ?? '')) throw new TypeError(`OpenAIEmbeddingsClient: options.baseURL must be an http(s) URL, got ${JSON.stringify(options?.baseURL)}.`);
    if (!Number.isSafeInteger(options.dimension) || options.dimension <= 0) throw new TypeError(`OpenAIEmbeddingsClient: options.dimension must be a positive integer, got ${String(options.dimension)}.`);

    this.name = `openai-embeddings:${options.model}`;
    this.dimension = options.dimension;
    this.options = {
      baseURL: options.baseURL.replace(/\/+$/, ''),
      model: options.model,
      dimension: options.dimension,
      timeoutMs: options.timeoutMs ?? 5_000,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    };
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const response = await this.options.fetch(`${this.options.baseURL}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: this.options.model, input: texts, encoding_format: 'float' }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`embeddings request to ${this.options.baseURL} failed with status ${response.status}: ${(await response.text()).slice(0, 200)}`);

    const body = (await response.json()) as { data?: { index: number; embedding: number[] }[] };
    const vectors = new Array<Float32Array>(texts.length);
    for (const item of body.data ?? []) vectors[item.index] = Float32Array.from(item.embedding);
    for (const [index, vector] of vectors.entries()) {
      if (vector?.length !== this.dimension) throw new Error(`embeddings response item ${index} has length ${vector?.length ?? 'none'}, expected ${this.dimension}.`);
    }
    return vectors;
  }
}

/** The subset of the Workers AI binding (`env.AI`) that {@link WorkersAiEmbedder} calls. */
export interface WorkersAiBinding {
  run(model: string, inputs: { text: string[] }): Promise<unknown>;
}

/** Workers AI text embedding model used by default: BAAI bge-small-en-v1.5, 384 dimensions. */
export const WORKERS_AI_EMBEDDING_MODEL = '@cf/baai/bge-small-en-v1.5';

/**
 * Embeds through a Workers AI binding.
 *
 * NOTE: only type-checked here; no test calls Workers AI, which needs a Cloudflare account.
 *
 * @example
 * const embedder = new WorkersAiEmbedder(env.AI);
 */
export class WorkersAiEmbedder implements Embedder {
  readonly name: string;
  readonly dimension: number;
  private readonly binding: WorkersAiBinding;
  private readonly model: string;

  constructor(binding: WorkersAiBinding, model = WORKERS_AI_EMBEDDING_MODEL, dimension = 384) {
    this.binding = binding;
    this.model = model;
    this.name = `workers-ai:${model}`;
    this.dimension = dimension;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const output = (await this.binding.run(this.model, { text: texts })) as { data?: number[][] };
    if (!Array.isArray(output.data) || output.data.length !== texts.length) {
      throw new Error(`Workers AI ${this.model} returned ${Array.isArray(output.data) ? output.data.length : 'no'} vectors for ${texts.length} texts.`);
    }
    return output.data.map((vector) => Float32Array.from(vector));
  }
}
