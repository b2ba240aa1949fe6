/**
 * An {@link Engine} that runs one request at a time, its choices one after another, from a
 * bounded FIFO. Choices that share a prompt share its prefill. It runs the same decoder and cache
 * code as {@link BatchEngine}, one row at a time, so the two differ only in scheduling.
 */

import type { Logger } from '../../src/log/logger.js';
import { AdmissionQueue, type AdmissionTicket } from './admission-queue.js';
import type { BatchDecoder, BatchForwardResult } from './batch-decoder.js';
import type { BatchEngine } from './batch-engine.js';
import type { Engine, EngineStatus, GenerationEvent, GenerationRequest } from './generation.js';
import { Xoshiro128StarStar } from './sampling/prng.js';
import { TokenSampler } from './sampling/sampler.js';
import { SequenceOutput } from './sequence-output.js';
import type { TextTokenizer } from './tokenizer.js';

export interface SerialEngineOptions {
  decoder: BatchDecoder;
  tokenizer: TextTokenizer;
  executionProvider: string;
  /** Requests that may wait behind the running one before new ones are rejected. */
  maxQueue: number;
  logger: Logger;
}

export class SerialEngine implements Engine {
  readonly executionProvider: string;
  readonly contextLength: number;
  readonly vocabSize: number;
  private readonly decoder: BatchDecoder;
  private readonly tokenizer: TextTokenizer;
  private readonly queue: AdmissionQueue;
  private readonly sampler: TokenSampler;
  private readonly logger: Logger;

  constructor(options: SerialEngineOptions) {
    this.decoder = options.decoder;
    this.tokenizer = options.tokenizer;
    this.executionProvider = options.executionProvider;
    this.contextLength = options.decoder.config.contextLength;
    this.vocabSize = options.decoder.config.vocabSize;
    this.queue = new AdmissionQueue(options.maxQueue, 1);
    this.sampler = new TokenSampler(this.vocabSize);
    this.logger = options.logger;
  }

  encodePrompt(text: string): number[] {
    return this.tokenizer.encodePrompt(text);
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    const admittedAt = performance.now();
    const ticket = this.queue.enqueue(signal);
    const events = this.run(ticket, request, signal, admittedAt);

    // An early `return()` before the generator's body has started never runs its `finally`, so
    // the wrapper releases the slot too, after the generator has settled.
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => events.next(),
        return: async (value?: unknown) => {
          const result = await events.return(value as undefined);
          ticket.release();
          return result;
        },
      }),
    };
  }

  status(): EngineStatus {
    return this.queue.counts();
  }

  async close(): Promise<void> {
    await this.decoder.release();
  }

  /** `admittedAt` is performance.now() at admission, in milliseconds. */
  private async *run(ticket: AdmissionTicket, request: GenerationRequest, signal: AbortSignal, admittedAt: number): AsyncGenerator<GenerationEvent, void> {
    try {
      await ticket.ready;
      // One request at a time, one choice after another: every forward pass has one sequence.
      yield { type: 'started', queueSeconds: (performance.now() - admittedAt) / 1000, batchSize: 1 };
      yield* this.runChoices(request, signal);
    } finally {
      ticket.release();
    }
  }

  private async *runChoices(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent, void> {
    let prefill: BatchForwardResult | undefined;
    let prefillPrompt: readonly number[] | undefined;

    for (let index = 0; index < request.choices.length; index++) {
      const choice = request.choices[index]!;
      const promptTokens = choice.promptTokenIds.length;
      const output = new SequenceOutput(this.tokenizer, choice, this.contextLength);
      if (output.exhausted) {
        yield { type: 'finish', index, finishReason: 'length', promptTokens, completionTokens: 0 };
        continue;
      }

      signal.throwIfAborted();
      if (prefill === undefined || prefillPrompt === undefined || !sameTokens(prefillPrompt, choice.promptTokenIds)) {
        prefill = await this.decoder.prefill([choice.promptTokenIds]);
        prefillPrompt = choice.promptTokenIds;
      }

      const random = new Xoshiro128StarStar(choice.seed, index);
      const sampling = { temperature: choice.temperature, topP: choice.topP };
      // Decoding appends to the cache in place, so each choice continues a copy of the prompt's.
      let cache = this.decoder.assemble([{ cache: prefill.cache, row: 0 }]);
      let logits = prefill.logits[0]!;
      for (;;) {
        signal.throwIfAborted();
        const tokenId = this.sampler.sample(logits, sampling, random);
        const accepted = output.accept(tokenId);
        if (accepted.text.length > 0) yield { type: 'delta', index, text: accepted.text };
        if (accepted.finishReason !== null) {
          yield { type: 'finish', index, finishReason: accepted.finishReason, promptTokens, completionTokens: output.completionTokens };
          break;
        }

        signal.throwIfAborted();
        const step = await this.decoder.decode(cache, [tokenId]);
        logits = step.logits[0]!;
        cache = step.cache;
      }
    }
    this.logger.debug({ choices: request.choices.length }, 'generation finished');
  }
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}
