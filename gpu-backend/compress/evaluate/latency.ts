/**
 * Prefill and decode latency of one model at a given batch size.
 *
 * One run prefills `promptTokens` tokens per row from an empty cache, then decodes
 * `decodeSteps` single tokens per row through the cache. Warm-up runs come first and are not
 * recorded. Prefill statistics are over runs; decode statistics are over every decode step
 * of every run. Token ids are fixed pseudo-random values, because values do not change speed.
 */

import type { DecoderRunner } from './decoder-runner.js';
import { summarizeLatency, type LatencySummary } from './stats.js';

export interface LatencyOptions {
  batchSize: number;
  promptTokens: number;
  decodeSteps: number;
  warmupRuns: number;
  measuredRuns: number;
}

export interface LatencyResult {
  batchSize: number;
  promptTokens: number;
  decodeSteps: number;
  prefill: LatencySummary;
  /** Latency of one decode step (one new token for every row). */
  decode: LatencySummary;
  /** Generated tokens per second during decode: batch size / median step latency. */
  decodeTokensPerSecond: number;
}

/** Deterministic token ids in [3, vocab) from a linear congruential generator. */
export function syntheticTokens(count: number, vocabSize: number, seed: number): number[] {
  let state = seed >>> 0;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids.push(3 + (state % Math.max(1, vocabSize - 3)));
  }
  return ids;
}

export async function measureLatency(runner: DecoderRunner, options: LatencyOptions): Promise<LatencyResult> {
  const { batchSize, promptTokens, decodeSteps, warmupRuns, measuredRuns } = options;
  if (batchSize < 1 || promptTokens < 1 || decodeSteps < 1 || measuredRuns < 1 || warmupRuns < 0) {
    throw new RangeError(`invalid latency options ${JSON.stringify(options)}`);
  }

  const vocab = runner.shape.vocabSize;
  const prompts = Array.from({ length: batchSize }, (_, row) => syntheticTokens(promptTokens, vocab, 17 + row));
  const prefillMs: number[] = [];
  const decodeMs: number[] = [];

  for (let run = 0; run < warmupRuns + measuredRuns; run++) {
    const record = run >= warmupRuns;

    let started = performance.now();
    let state = await runner.forward(prompts, runner.emptyPast(batchSize), 0);
    if (record) prefillMs.push(performance.now() - started);

    for (let step = 0; step < decodeSteps; step++) {
      const next = Array.from({ length: batchSize }, (_, row) => [3 + ((row + step * 7) % (vocab - 3))]);
      started = performance.now();
      state = await runner.forward(next, state.past, state.pastLength);
      if (record) decodeMs.push(performance.now() - started);
    }
  }

  const decode = summarizeLatency(decodeMs);
  return {
    batchSize,
    promptTokens,
    decodeSteps,
    prefill: summarizeLatency(prefillMs),
    decode,
    decodeTokensPerSecond: (batchSize * 1000) / decode.medianMs,
  };
}
