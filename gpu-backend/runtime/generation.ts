/**
 * The contract between the HTTP server and whatever schedules forward passes.
 *
 * A request carries every choice it needs (all prompts times `n`), so a scheduler is free to run
 * them one after another, as {@link SerialEngine} does, or side by side in one batch.
 */

export type FinishReason = 'stop' | 'length';

export interface ChoiceRequest {
  /** Prompt token ids, starting with BOS for text prompts. */
  promptTokenIds: readonly number[];
  /** Maximum number of tokens to generate; generation also ends when the sequence fills the context. */
  maxTokens: number;
  temperature: number;
  topP: number;
  /** Seed of the request; each choice draws from its own stream of it, numbered by the choice index. */
  seed: number;
  /** Texts that end generation; they are not part of the output. */
  stop: readonly string[];
}

export interface GenerationRequest {
  /** Choice i of the response is `choices[i]`. */
  choices: readonly ChoiceRequest[];
}

/**
 * Scheduling facts of one request, for the `slimgate-queue-time-ms` and `slimgate-batch-size`
 * response headers.
 */
export interface StartedEvent {
  type: 'started';
  /** Time from admission until the engine started the request, in seconds. */
  queueSeconds: number;
  /**
   * Sequences in the first decode step that contains one of the request's sequences, counted
   * when its first token is sampled. When the request ended at its first token, the sequences of
   * that prefill pass. Null when a choice had nothing to generate at the start (max_tokens 0),
   * because the event then goes out before any forward pass.
   */
  batchSize: number | null;
}

export type GenerationEvent =
  | StartedEvent
  | { type: 'delta'; index: number; text: string }
  | { type: 'finish'; index: number; finishReason: FinishReason; promptTokens: number; completionTokens: number };

export interface EngineStatus {
  /** Requests admitted but not yet started. */
  waiting: number;
  /** Requests currently generating. */
  running: number;
}

export interface Engine {
  readonly executionProvider: string;
  /** Maximum number of tokens in one sequence, prompt included. */
  readonly contextLength: number;
  readonly vocabSize: number;
  /** The ONNX file that new requests run on, when the engine reports it. */
  readonly activeOnnxPath?: string;

  /** Encodes a text prompt as token ids, BOS first. */
  encodePrompt(text: string): number[];

  /**
   * Admits the request or throws {@link EngineOverloadedError} at once, then yields one `started`
   * event before any other, text deltas and one `finish` event per choice. Aborting `signal` cancels the request between forward
   * passes, and the iterator then rejects with the signal's reason. Ending the iteration early
   * (`return()`) also cancels it.
   */
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;

  status(): EngineStatus;
  close(): Promise<void>;
}

/** Thrown by {@link Engine.generate} when the waiting queue is full. */
export class EngineOverloadedError extends Error {
  constructor(
    readonly maxWaiting: number,
    /** Suggested wait before a retry, in seconds. */
    readonly retryAfterSeconds: number,
  ) {
    super(`the engine is overloaded: ${maxWaiting} requests are already waiting`);
    this.name = 'EngineOverloadedError';
  }
}
