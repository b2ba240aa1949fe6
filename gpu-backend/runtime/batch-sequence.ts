/**
 * Per-request and per-choice state of the continuous-batching engine.
 */

import type { BatchCache, CacheRowRef } from './batch-cache.js';
import type { BatchDecoder } from './batch-decoder.js';
import { EventChannel } from './event-channel.js';
import type { ChoiceRequest, GenerationEvent, GenerationRequest } from './generation.js';
import { Xoshiro128StarStar } from './sampling/prng.js';
import type { SamplingParams } from './sampling/sampler.js';
import { SequenceOutput } from './sequence-output.js';
import type { TextTokenizer } from './tokenizer.js';

/** A loaded model and the sequences decoding on it; an old slot lives on until its rows finish. */
export interface ModelSlot {
  decoder: BatchDecoder;
  /** Sequences in row order of `cache`. */
  rows: Sequence[];
  cache: BatchCache | undefined;
  /** Sequences prefilled on this slot and waiting to be added to the batch. */
  joining: Sequence[];
  /** Set when rows finished or joined since `cache` was built. */
  dirty: boolean;
}

export class RequestState {
  readonly sequences: Sequence[];
  readonly channel: EventChannel<GenerationEvent>;
  /** performance.now() at admission, in milliseconds. */
  readonly admittedAt = performance.now();
  started = false;
  /** Time from admission to start, in seconds; set when the request starts. */
  queueSeconds = 0;
  /** Set once the `started` event is in the channel; it must precede every other event. */
  reportedStart = false;
  /** Set once the request ended for any reason; its sequences are removed before the next step. */
  ended = false;
  unfinished: number;
  detach: () => void = () => {};

  constructor(
    request: GenerationRequest,
    tokenizer: TextTokenizer,
    contextLength: number,
    onReturn: () => void,
  ) {
    this.channel = new EventChannel(onReturn);
    this.sequences = request.choices.map((choice, index) => new Sequence(this, index, choice, tokenizer, contextLength));
    this.unfinished = this.sequences.length;
  }
}

export class Sequence {
  readonly output: SequenceOutput;
  readonly random: Xoshiro128StarStar;
  readonly sampling: SamplingParams;
  readonly promptTokenIds: readonly number[];
  /** Prompt tokens already in the cache of a chunked prefill. */
  prefilled = 0;
  /** One-row cache of a chunked prefill in progress. */
  partialCache: BatchCache | undefined;
  /** The slot whose session computed this sequence's cache, set when prefill starts. */
  slot: ModelSlot | undefined;
  /** Row of the prefill result to copy into the batch when joining. */
  joinRef: CacheRowRef | undefined;
  /** The last sampled token, input of the next decode step. */
  nextTokenId = 0;
  finished = false;
  /** performance.now() of the last generated token, in milliseconds. */
  lastTokenAt: number | undefined;

  constructor(
    readonly request: RequestState,
    readonly index: number,
    readonly choice: ChoiceRequest,
    tokenizer: TextTokenizer,
    contextLength: number,
  ) {
    this.output = new SequenceOutput(tokenizer, choice, contextLength);
    this.random = new Xoshiro128StarStar(choice.seed, index);
    this.sampling = { temperature: choice.temperature, topP: choice.topP };
    this.promptTokenIds = choice.promptTokenIds;
  }

  /** True when the sequence must leave the batch before the next step. */
  get done(): boolean {
    return this.finished || this.request.ended;
  }
}
