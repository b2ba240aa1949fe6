/**
 * Per-step cost of batched decoding in-process, without HTTP: input preparation (typed arrays
 * and tensor wrappers), the onnxruntime `run` call, and sampling, at a given batch size.
 */

import * as ort from 'onnxruntime-node';

import { BatchDecoder } from '../../gpu-backend/runtime/batch-decoder.js';
import { Xoshiro128StarStar } from '../../gpu-backend/runtime/sampling/prng.js';
import { TokenSampler } from '../../gpu-backend/runtime/sampling/sampler.js';

export interface StepProfile {
  batchSize: number;
  steps: number;
  /** Mean milliseconds per decode step, including preparation, run and sampling. */
  stepMs: number;
  /** Mean milliseconds inside `session.run`. */
  runMs: number;
  /** Mean milliseconds building inputs (buffers and tensors) for one step, measured separately. */
  prepareMs: number;
  /** Mean milliseconds sampling every row of one step (greedy). */
  sampleMs: number;
  /** Generated tokens per second: batchSize / stepMs. */
  tokensPerSecond: number;
}

/** Decodes `steps` tokens for `batchSize` rows after `prompt`; prompt plus steps must fit the context. */
export async function profileDecode(decoder: BatchDecoder, prompt: readonly number[], batchSize: number, steps: number): Promise<StepProfile> {
  const sampler = new TokenSampler(decoder.config.vocabSize);
  const random = new Xoshiro128StarStar(1, 0);
  const greedy = { temperature: 0, topP: 1 };

  let { logits, cache } = await decoder.prefill(Array.from({ length: batchSize }, () => prompt));
  let runMs = 0;
  let sampleMs = 0;
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    const sampleStart = performance.now();
    const tokens = logits.map((row) => sampler.sample(row, greedy, random));
    sampleMs += performance.now() - sampleStart;

    const runStart = performance.now();
    ({ logits, cache } = await decoder.decode(cache, tokens));
    runMs += performance.now() - runStart;
  }
  const stepMs = (performance.now() - started) / steps;

  const prepareMs = measurePreparation(batchSize, cache.capacity, steps);
  // decode() includes its input preparation; subtract it so that runMs is the run call alone.
  const meanRun = runMs / steps - prepareMs;
  return { batchSize, steps, stepMs, runMs: meanRun, prepareMs, sampleMs: sampleMs / steps, tokensPerSecond: (batchSize * 1000) / stepMs };
}

/** Times the input work of one decode step: token, position and mask arrays and their tensors. */
function measurePreparation(rows: number, width: number, repeats: number): number {
  const ids = new BigInt64Array(rows);
  const positions = new BigInt64Array(rows);
  const mask = new BigInt64Array(rows * (width + 1));
  const started = performance.now();
  for (let r = 0; r < repeats; r++) {
    for (let row = 0; row < rows; row++) {
      ids[row] = BigInt(row);
      positions[row] = BigInt(width);
      mask.fill(1n, row * (width + 1), (row + 1) * (width + 1));
    }
    void new ort.Tensor('int64', ids, [rows, 1]);
    void new ort.Tensor('int64', positions, [rows, 1]);
    void new ort.Tensor('int64', mask, [rows, width + 1]);
  }
  return (performance.now() - started) / repeats;
}
