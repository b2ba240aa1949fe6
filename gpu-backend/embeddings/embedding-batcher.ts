/**
 * Groups embedding requests that arrive within a short window into one forward pass, one pass at
 * a time, and bounds the inputs waiting so that overload is rejected at admission.
 */

import { EngineOverloadedError } from '../runtime/generation.js';
import type { BackendMetrics } from '../runtime/metrics/backend-metrics.js';
import type { EmbeddingModel } from './embedding-model.js';

const RETRY_AFTER_SECONDS = 1;

interface Job {
  texts: readonly string[];
  signal: AbortSignal;
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: unknown) => void;
}

export interface EmbeddingBatcherOptions {
  /** How long the first waiting request waits for others to join its pass, in milliseconds. */
  windowMs: number;
  /** Inputs that may wait; a request that would exceed it is rejected as overloaded. */
  maxWaitingInputs: number;
  metrics?: BackendMetrics | undefined;
}

export class EmbeddingBatcher {
  private readonly queue: Job[] = [];
  private waitingInputs = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    readonly model: EmbeddingModel,
    private readonly options: EmbeddingBatcherOptions,
  ) {}

  /** Embeds `texts` in order; rejects with the signal's reason when aborted before its pass runs. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    signal.throwIfAborted();
    if (this.waitingInputs + texts.length > this.options.maxWaitingInputs && this.waitingInputs > 0) {
      throw new EngineOverloadedError(this.options.maxWaitingInputs, RETRY_AFTER_SECONDS);
    }

    return new Promise((resolve, reject) => {
      this.queue.push({ texts, signal, resolve, reject });
      this.waitingInputs += texts.length;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.waitingInputs >= this.model.maxBatchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.runPass();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.runPass();
    }, this.options.windowMs);
  }

  /** Runs one forward pass over the jobs at the head of the queue, then schedules the rest. */
  private async runPass(): Promise<void> {
    if (this.running) return;
    this.running = true;

    const jobs = this.takeJobs();
    try {
      if (jobs.length > 0) await this.runJobs(jobs);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** Takes whole jobs up to the model's batch size (always at least one job), dropping aborted ones. */
  private takeJobs(): Job[] {
    const jobs: Job[] = [];
    let inputs = 0;
    while (this.queue.length > 0) {
      const job = this.queue[0]!;
      if (job.signal.aborted) {
        this.queue.shift();
        this.waitingInputs -= job.texts.length;
        continue;
      }
      if (jobs.length > 0 && inputs + job.texts.length > this.model.maxBatchSize) break;
      this.queue.shift();
      this.waitingInputs -= job.texts.length;
      jobs.push(job);
      inputs += job.texts.length;
    }
    return jobs;
  }

  private async runJobs(jobs: Job[]): Promise<void> {
    const texts = jobs.flatMap((job) => job.texts);
    const vectors: Float32Array[] = [];
    try {
      // A single job larger than the batch size runs as several passes.
      for (let start = 0; start < texts.length; start += this.model.maxBatchSize) {
        const slice = texts.slice(start, start + this.model.maxBatchSize);
        vectors.push(...(await this.model.embed(slice)));
        this.options.metrics?.embeddingBatchSize.observe(slice.length);
      }
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }

    this.options.metrics?.embeddingInputs.inc({}, texts.length);
    let offset = 0;
    for (const job of jobs) {
      job.resolve(vectors.slice(offset, offset + job.texts.length));
      offset += job.texts.length;
    }
  }
}
