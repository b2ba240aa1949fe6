/**
 * An {@link Engine} with continuous batching: one scheduling loop runs every active sequence in
 * each decode step, and sequences join or leave between steps.
 *
 * One loop iteration is: drop finished and cancelled rows, one decode step per loaded model that
 * has rows, then at most one prefill forward pass (several short prompts left-padded together,
 * or one chunk of a long prompt). A long prompt therefore delays running streams by one chunk at
 * most. Newly prefilled sequences join the batch at the end of the iteration.
 *
 * Hot swap: {@link BatchEngine.swapModel} makes a new model current for sequences that start
 * prefill afterwards, while sequences already on the old model finish there. The old session is
 * released once its last row leaves.
 *
 * NOTE: onnxruntime-node 1.30 runs `session.run` synchronously on the JavaScript thread (inside a
 * setImmediate), so forward passes and HTTP work take turns on one core. A worker thread owning
 * the sessions and caches would let them overlap.
 */

import type { Logger } from '../../src/log/logger.js';
import type { CacheRowRef } from './batch-cache.js';
import type { BatchDecoder, BatchForwardResult } from './batch-decoder.js';
import { RequestState, type ModelSlot, type Sequence } from './batch-sequence.js';
import { EngineOverloadedError, type Engine, type EngineStatus, type GenerationEvent, type GenerationRequest } from './generation.js';
import type { BackendMetrics } from './metrics/backend-metrics.js';
import { TokenSampler } from './sampling/sampler.js';
import type { AcceptedToken } from './sequence-output.js';
import type { TextTokenizer } from './tokenizer.js';

const RETRY_AFTER_SECONDS = 1;

export interface BatchEngineOptions {
  decoder: BatchDecoder;
  tokenizer: TextTokenizer;
  executionProvider: string;
  /** Maximum sequences decoding together (rows of one decode step), prefilling ones included. */
  maxBatchSize: number;
  /** Requests that may wait beyond the batch's free rows before new ones are rejected. */
  maxQueue: number;
  /**
   * Maximum input tokens in one iteration: decode rows plus the padded prompt tokens of its
   * prefill pass. Must exceed `maxBatchSize` so that a full batch still admits prefill work.
   */
  maxTokensPerStep: number;
  logger: Logger;
  metrics?: BackendMetrics | undefined;
}

export class BatchEngine implements Engine {
  readonly executionProvider: string;
  readonly contextLength: number;
  readonly vocabSize: number;
  private readonly tokenizer: TextTokenizer;
  private readonly sampler: TokenSampler;
  private readonly logger: Logger;
  private readonly metrics: BackendMetrics | undefined;
  private readonly maxBatchSize: number;
  private readonly maxQueue: number;
  private readonly maxTokensPerStep: number;

  /** The newest slot (where new sequences start) is last. */
  private readonly slots: ModelSlot[] = [];
  /** Admitted requests whose sequences have not started. */
  private readonly waiting: RequestState[] = [];
  /** Sequences of started requests that wait for prefill, in order. */
  private readonly pending: Sequence[] = [];
  /** The sequence whose prompt is being prefilled chunk by chunk. */
  private chunking: Sequence | undefined;
  /** Sequences in the prefill pass now running, before they join a batch. */
  private prefilling = 0;
  private runningRequests = 0;
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(options: BatchEngineOptions) {
    for (const name of ['maxBatchSize', 'maxTokensPerStep'] as const) {
      if (!Number.isInteger(options[name]) || options[name] < 1) throw new RangeError(`${name} must be a positive integer, got ${options[name]}`);
    }
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) throw new RangeError(`maxQueue must be a non-negative integer, got ${options.maxQueue}`);
    if (options.maxTokensPerStep <= options.maxBatchSize) {
      throw new RangeError(`maxTokensPerStep (${options.maxTokensPerStep}) must exceed maxBatchSize (${options.maxBatchSize})`);
    }

    this.tokenizer = options.tokenizer;
    this.executionProvider = options.executionProvider;
    this.contextLength = options.decoder.config.contextLength;
    this.vocabSize = options.decoder.config.vocabSize;
    this.sampler = new TokenSampler(this.vocabSize);
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.maxBatchSize = options.maxBatchSize;
    this.maxQueue = options.maxQueue;
    this.maxTokensPerStep = options.maxTokensPerStep;
    this.slots.push(newSlot(options.decoder));
  }

  /** The ONNX file that new sequences run on. */
  get activeOnnxPath(): string {
    return this.currentSlot.decoder.onnxPath;
  }

  encodePrompt(text: string): number[] {
    return this.tokenizer.encodePrompt(text);
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    if (this.closed) throw new Error('the engine is closed');
    signal.throwIfAborted();
    this.admit(request.choices.length);

    const state = new RequestState(request, this.tokenizer, this.contextLength, () => this.endRequest(state, 'cancelled'));
    const onAbort = (): void => {
      state.channel.fail(signal.reason);
      this.endRequest(state, 'cancelled');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    state.detach = () => signal.removeEventListener('abort', onAbort);

    this.waiting.push(state);
    this.wake();
    return state.channel;
  }

  status(): EngineStatus {
    return { waiting: this.waiting.length, running: this.runningRequests };
  }

  /** ONNX files with a loaded session, oldest first; more than one while a swap drains. */
  loadedModels(): string[] {
    return this.slots.map((slot) => slot.decoder.onnxPath);
  }

  /** Sequences in decode batches, prefilling or waiting for prefill. */
  activeSequences(): number {
    let count = this.pending.length + this.prefilling + (this.chunking ? 1 : 0);
    for (const slot of this.slots) count += slot.rows.length + slot.joining.length;
    return count;
  }

  /**
   * Makes `decoder` the model for sequences that start from now on. Sequences on older models
   * finish there; each old session is released when its last sequence leaves.
   */
  swapModel(decoder: BatchDecoder): void {
    const current = this.currentSlot.decoder.config;
    if (decoder.config.vocabSize !== current.vocabSize || decoder.config.contextLength !== current.contextLength) {
      throw new Error(`the new model's vocab_size or context length differs from the current model's (${decoder.onnxPath})`);
    }
    this.slots.push(newSlot(decoder));

    // With the loop running, a forward pass may be in flight on the old slot, so the loop
    // releases it after the iteration instead.
    if (this.loop === undefined) this.releaseIdleSlots();
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the engine is shutting down');
    const sequences = [...this.pending, ...(this.chunking ? [this.chunking] : []), ...this.slots.flatMap((slot) => [...slot.rows, ...slot.joining])];
    for (const state of [...this.waiting, ...sequences.map((sequence) => sequence.request)]) {
      state.channel.fail(error);
      this.endRequest(state, 'failed');
    }
    await this.loop;
    for (const slot of this.slots.splice(0)) await slot.decoder.release();
  }

  private get currentSlot(): ModelSlot {
    return this.slots[this.slots.length - 1]!;
  }

  /** Throws {@link EngineOverloadedError} unless the request fits in free rows or in the queue. */
  private admit(choices: number): void {
    // Waiting requests take the free rows in FIFO order; those left over are the queue.
    let freeRows = this.maxBatchSize - this.activeSequences();
    let queued = 0;
    for (const state of this.waiting) {
      freeRows -= state.sequences.length;
      if (freeRows < 0) queued++;
    }

    const fitsInBatch = freeRows >= choices;
    if (!fitsInBatch && queued >= this.maxQueue) {
      this.metrics?.requests.inc({ outcome: 'rejected' });
      throw new EngineOverloadedError(this.maxQueue, RETRY_AFTER_SECONDS);
    }
  }

  private wake(): void {
    if (this.loop !== undefined) return;
    this.loop = this.runLoop()
      .catch((error: unknown) => this.failEverything(error))
      .finally(() => {
        this.loop = undefined;
        if (this.hasWork()) this.wake();
      });
  }

  private hasWork(): boolean {
    return this.waiting.length > 0 || this.pending.length > 0 || this.chunking !== undefined || this.slots.some((slot) => slot.rows.length + slot.joining.length > 0);
  }

  private async runLoop(): Promise<void> {
    while (this.hasWork()) {
      this.compactSlots();
      let forwardPasses = 0;

      for (const slot of [...this.slots]) {
        if (slot.rows.length === 0) continue;
        await this.decodeStep(slot);
        forwardPasses++;
      }
      this.compactSlots();

      if (await this.prefillStep()) forwardPasses++;
      this.compactSlots();
      this.releaseIdleSlots();

      // An iteration without a forward pass awaited nothing, so yield to let I/O and aborts run.
      if (forwardPasses === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async decodeStep(slot: ModelSlot): Promise<void> {
    const rows = slot.rows;
    const cache = slot.cache!;
    const tokenIds = rows.map((sequence) => sequence.nextTokenId);

    let result: BatchForwardResult;
    try {
      result = await slot.decoder.decode(cache, tokenIds);
    } catch (error) {
      this.failSequences(rows, error);
      return;
    }

    this.metrics?.decodeBatchSize.observe(rows.length);
    slot.cache = result.cache;
    rows.forEach((sequence, row) => {
      if (sequence.done) return;
      this.acceptToken(sequence, result.logits[row]!);
    });
  }

  /** Runs one prefill forward pass if there is prefill work and room in the batch; returns whether it ran one. */
  private async prefillStep(): Promise<boolean> {
    const decodeRows = this.slots.reduce((sum, slot) => sum + slot.rows.length, 0);
    const budget = this.maxTokensPerStep - decodeRows;

    if (this.chunking !== undefined) {
      await this.continueChunkedPrefill(this.chunking, budget);
      return true;
    }

    this.startWaitingRequests();
    const batch = this.takePrefillBatch(budget);
    if (batch.length === 0) return false;

    const first = batch[0]!;
    if (first.promptTokenIds.length > budget) {
      this.chunking = first;
      first.slot = this.currentSlot;
      await this.continueChunkedPrefill(first, budget);
      return true;
    }

    const slot = this.currentSlot;
    let result: BatchForwardResult;
    this.prefilling = batch.length;
    try {
      result = await slot.decoder.prefill(batch.map((sequence) => sequence.promptTokenIds));
    } catch (error) {
      this.failSequences(batch, error);
      return true;
    } finally {
      this.prefilling = 0;
    }

    const width = result.columns;
    this.metrics?.prefillTokens.observe(batch.length * width);

    // Every row is sampled before any event goes out, because the `started` event of a request
    // carries the size of the decode batch it joins, and that depends on which rows finish here.
    const accepted = batch.map((sequence, row) => {
      sequence.slot = slot;
      this.metrics?.promptTokens.inc({}, sequence.promptTokenIds.length);
      return sequence.done ? undefined : this.sampleToken(sequence, result.logits[row]!);
    });
    this.reportStarts(slot, batch, accepted);
    batch.forEach((sequence, row) => this.finishPrefill(sequence, accepted[row], { cache: result.cache, row }));
    return true;
  }

  private async continueChunkedPrefill(sequence: Sequence, budget: number): Promise<void> {
    if (sequence.done) {
      this.chunking = undefined;
      return;
    }

    const chunkSize = Math.max(1, budget);
    const chunk = sequence.promptTokenIds.slice(sequence.prefilled, sequence.prefilled + chunkSize);
    const decoder = sequence.slot!.decoder;

    let result: BatchForwardResult;
    try {
      result = sequence.partialCache === undefined ? await decoder.prefill([chunk]) : await decoder.extend(sequence.partialCache, chunk);
    } catch (error) {
      this.chunking = undefined;
      this.failSequences([sequence], error);
      return;
    }

    this.metrics?.prefillTokens.observe(chunk.length);
    sequence.prefilled += chunk.length;
    sequence.partialCache = result.cache;
    if (sequence.done) {
      this.chunking = undefined;
      return;
    }
    if (sequence.prefilled < sequence.promptTokenIds.length) return;

    this.chunking = undefined;
    sequence.partialCache = undefined;
    this.metrics?.promptTokens.inc({}, sequence.promptTokenIds.length);
    const accepted = this.sampleToken(sequence, result.logits[0]!);
    this.reportStarts(sequence.slot!, [sequence], [accepted]);
    this.finishPrefill(sequence, accepted, { cache: result.cache, row: 0 });
  }

  /** Sends the first token sampled after a prefill and queues the sequence to join its slot's batch. */
  private finishPrefill(sequence: Sequence, accepted: AcceptedToken | undefined, joinRef: CacheRowRef): void {
    if (sequence.done || accepted === undefined) return;
    this.emitToken(sequence, accepted);
    if (sequence.done) return;
    sequence.joinRef = joinRef;
    sequence.slot!.joining.push(sequence);
    sequence.slot!.dirty = true;
  }

  /**
   * Sends `started` to each request whose first token came from `pass`, a prefill pass on `slot`
   * whose rows are sampled (`accepted`, undefined for rows that left) but not yet sent. The batch
   * size is the row count of the slot's next decode step. Only a cancellation that lands while an
   * older model's decode step runs first (during a hot swap) can change it before that step.
   */
  private reportStarts(slot: ModelSlot, pass: readonly Sequence[], accepted: readonly (AcceptedToken | undefined)[]): void {
    const continues = (row: number): boolean => accepted[row]?.finishReason === null;
    const continuing = pass.filter((_, row) => continues(row)).length;
    const nextDecodeRows = slot.rows.filter((sequence) => !sequence.done).length + slot.joining.filter((sequence) => !sequence.done).length + continuing;

    pass.forEach((sequence, row) => {
      const request = sequence.request;
      if (request.reportedStart || accepted[row] === undefined) return;
      const joinsBatch = pass.some((other, otherRow) => other.request === request && continues(otherRow));
      this.reportStart(request, joinsBatch ? nextDecodeRows : pass.length);
    });
  }

  private reportStart(request: RequestState, batchSize: number | null): void {
    if (request.reportedStart) return;
    request.reportedStart = true;
    request.channel.push({ type: 'started', queueSeconds: request.queueSeconds, batchSize });
  }

  /** Moves waiting requests into `pending` while the batch has free rows. */
  private startWaitingRequests(): void {
    while (this.waiting.length > 0) {
      const state = this.waiting[0]!;
      const free = this.maxBatchSize - this.activeSequences();
      if (free <= 0) return;

      this.waiting.shift();
      state.started = true;
      this.runningRequests++;
      state.queueSeconds = (performance.now() - state.admittedAt) / 1000;
      this.metrics?.queueTime.observe(state.queueSeconds);

      for (const sequence of state.sequences) {
        // max_tokens 0 or a prompt that fills the context: nothing to generate, and no forward
        // pass gives the request a batch size.
        if (sequence.output.exhausted) {
          this.reportStart(state, null);
          this.finishSequence(sequence, 'length');
        } else {
          this.pending.push(sequence);
        }
      }
    }
  }

  /** Takes pending sequences for one prefill pass: a long prompt alone, or short ones padded together. */
  private takePrefillBatch(budget: number): Sequence[] {
    while (this.pending.length > 0 && this.pending[0]!.done) this.pending.shift();
    const first = this.pending[0];
    if (first === undefined) return [];

    const inBatch = this.activeSequences() - this.pending.length - this.prefilling;
    const free = this.maxBatchSize - inBatch;
    if (free <= 0) return [];
    if (first.promptTokenIds.length > budget) return [this.pending.shift()!];

    const batch: Sequence[] = [];
    let width = 0;
    while (this.pending.length > 0 && batch.length < free) {
      const next = this.pending[0]!;
      if (next.done) {
        this.pending.shift();
        continue;
      }
      const nextWidth = Math.max(width, next.promptTokenIds.length);
      if (nextWidth * (batch.length + 1) > budget) break;
      width = nextWidth;
      batch.push(this.pending.shift()!);
    }
    return batch;
  }

  private acceptToken(sequence: Sequence, logits: Float32Array): void {
    this.emitToken(sequence, this.sampleToken(sequence, logits));
  }

  /** Samples the next token of `sequence` and records it; {@link emitToken} sends its events. */
  private sampleToken(sequence: Sequence, logits: Float32Array): AcceptedToken {
    const tokenId = this.sampler.sample(logits, sequence.sampling, sequence.random);
    const accepted = sequence.output.accept(tokenId);
    const now = performance.now();
    const request = sequence.request;

    if (this.metrics) {
      this.metrics.generationTokens.inc();
      if (sequence.lastTokenAt === undefined) this.metrics.timeToFirstToken.observe((now - request.admittedAt) / 1000);
      else this.metrics.interTokenLatency.observe((now - sequence.lastTokenAt) / 1000);
    }
    sequence.lastTokenAt = now;
    sequence.nextTokenId = tokenId;
    return accepted;
  }

  private emitToken(sequence: Sequence, accepted: AcceptedToken): void {
    const request = sequence.request;
    if (accepted.text.length > 0) request.channel.push({ type: 'delta', index: sequence.index, text: accepted.text });
    if (accepted.finishReason !== null) this.finishSequence(sequence, accepted.finishReason);
  }

  private finishSequence(sequence: Sequence, finishReason: 'stop' | 'length'): void {
    const request = sequence.request;
    sequence.finished = true;
    if (sequence.slot) sequence.slot.dirty = true;
    request.channel.push({
      type: 'finish',
      index: sequence.index,
      finishReason,
      promptTokens: sequence.promptTokenIds.length,
      completionTokens: sequence.output.completionTokens,
    });

    request.unfinished--;
    if (request.unfinished === 0) {
      request.channel.end();
      this.endRequest(request, 'completed');
    }
  }

  private failSequences(sequences: readonly Sequence[], error: unknown): void {
    this.logger.error({ err: error, sequences: sequences.length }, 'forward pass failed');
    for (const sequence of sequences) {
      sequence.finished = true;
      if (sequence.slot) sequence.slot.dirty = true;
      sequence.request.channel.fail(error);
      this.endRequest(sequence.request, 'failed');
    }
  }

  /** Fails every admitted request after a scheduler bug, so that no client waits forever. */
  private failEverything(error: unknown): void {
    this.logger.error({ err: error }, 'the scheduling loop failed; failing every admitted request');
    const states = new Set([...this.waiting, ...this.pending.map((sequence) => sequence.request)]);
    if (this.chunking) states.add(this.chunking.request);
    for (const slot of this.slots) {
      for (const sequence of [...slot.rows, ...slot.joining]) states.add(sequence.request);
      slot.rows = [];
      slot.joining = [];
      slot.cache = undefined;
    }
    for (const state of states) {
      state.channel.fail(error);
      this.endRequest(state, 'failed');
    }
    this.pending.length = 0;
    this.chunking = undefined;
  }

  /** Marks a request ended; its sequences leave the batch before the next step. */
  private endRequest(state: RequestState, outcome: 'completed' | 'cancelled' | 'failed'): void {
    if (state.ended) return;
    state.ended = true;
    state.detach();
    this.metrics?.requests.inc({ outcome });
    if (outcome !== 'failed' && state.started) this.observeTokens(state);

    if (state.started) this.runningRequests--;
    else {
      const index = this.waiting.indexOf(state);
      if (index >= 0) this.waiting.splice(index, 1);
    }
    for (const sequence of state.sequences) {
      if (sequence.slot) sequence.slot.dirty = true;
    }
    if (outcome === 'cancelled') this.logger.debug({ choices: state.sequences.length }, 'generation cancelled');
  }

  private observeTokens(state: RequestState): void {
    let prompt = 0;
    let generated = 0;
    for (const sequence of state.sequences) {
      prompt += sequence.promptTokenIds.length;
      generated += sequence.output.completionTokens;
    }
    this.metrics?.requestPromptTokens.observe(prompt);
    this.metrics?.requestGenerationTokens.observe(generated);
  }

  /** Rebuilds each changed slot's batch: finished rows leave and prefilled sequences join. */
  private compactSlots(): void {
    for (const slot of this.slots) {
      if (!slot.dirty && !slot.rows.some((sequence) => sequence.done)) continue;
      slot.dirty = false;

      const remaining = slot.rows.filter((sequence) => !sequence.done);
      const joining = slot.joining.filter((sequence) => !sequence.done);
      slot.joining = [];
      const unchanged = joining.length === 0 && remaining.length === slot.rows.length;
      if (unchanged) continue;

      const refs: CacheRowRef[] = [];
      slot.rows.forEach((sequence, row) => {
        if (!sequence.done) refs.push({ cache: slot.cache!, row });
      });
      for (const sequence of joining) refs.push(sequence.joinRef!);

      for (const sequence of joining) sequence.joinRef = undefined;
      slot.rows = [...remaining, ...joining];
      slot.cache = slot.rows.length === 0 ? undefined : slot.decoder.assemble(refs);
    }
  }

  /** Releases every slot except the current one that has no sequences left. */
  private releaseIdleSlots(): void {
    const current = this.currentSlot;
    const idle = this.slots.filter((slot) => slot !== current && slot.rows.length === 0 && slot.joining.length === 0 && this.chunking?.slot !== slot);
    for (const slot of idle) {
      this.slots.splice(this.slots.indexOf(slot), 1);
      slot.decoder.release().then(
        () => this.logger.info({ onnxPath: slot.decoder.onnxPath }, 'previous model released'),
        (error: unknown) => this.logger.error({ err: error, onnxPath: slot.decoder.onnxPath }, 'releasing the previous model failed'),
      );
    }
  }
}

function newSlot(decoder: BatchDecoder): ModelSlot {
  return { decoder, rows: [], cache: undefined, joining: [], dirty: false };
}
