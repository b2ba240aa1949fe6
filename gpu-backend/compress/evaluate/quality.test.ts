import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLlama2cCheckpoint } from '../../model-import/llama2c.js';
import { Llama2cReference } from '../../model-import/reference.js';
import { createTemporaryModels, openRunner, SHARED_MODELS, SHARED_MODELS_DIR, type TemporaryModels } from '../testing/models.js';
import { loadEvaluationTokenizer } from './evaluation-tokenizer.js';
import { evaluateQuality } from './quality.js';
import { defaultStoriesPath, evaluationRange, loadStories, tokenizeStories } from './stories.js';
import { logSoftmax } from './token-metrics.js';

let models: TemporaryModels;

beforeAll(async () => {
  models = await createTemporaryModels();
});

afterAll(async () => {
  await models.remove();
});

async function evaluationTokens(name: 'stories260K' | 'babyllama-tok105', count?: number): Promise<number[][]> {
  const folder = await models.folder(name);
  const tokenizer = await loadEvaluationTokenizer(folder.dir, folder.config.bosTokenId);
  return tokenizeStories(await loadStories(defaultStoriesPath(), evaluationRange(count)), tokenizer, folder.config.contextLength);
}

describe('evaluateQuality', () => {
  it('NLL equals a float64 run.c computation on two stories', async () => {
    const folder = await models.folder('stories260K');
    const stories = await evaluationTokens('stories260K', 2);
    const [result] = await evaluateQuality({ reference: await openRunner(folder), variants: [await openRunner(folder)], stories });

    const reference = new Llama2cReference(readLlama2cCheckpoint(path.join(SHARED_MODELS_DIR, SHARED_MODELS.stories260K.checkpoint)));
    let nll = 0;
    let tokens = 0;
    for (const story of stories) {
      const logits = reference.logitsFor(story);
      for (let t = 0; t + 1 < story.length; t++) {
        nll -= logSoftmax(logits[t]!)[story[t + 1]!]!;
        tokens += 1;
      }
    }

    expect(result!.predictedTokens).toBe(tokens);
    expect(result!.meanNll).toBeCloseTo(nll / tokens, 4);
    expect(result!.storyNllSums.reduce((a, b) => a + b, 0)).toBeCloseTo(nll, 1);
  }, 120_000);

  it('base model against itself agrees fully with zero KL', async () => {
    const folder = await models.folder('stories260K');
    const stories = await evaluationTokens('stories260K', 3);
    const [result] = await evaluateQuality({ reference: await openRunner(folder), variants: [await openRunner(folder)], stories });

    expect(result!.top1Agreement).toBe(1);
    expect(result!.meanKl).toBeLessThan(1e-9);
  }, 120_000);

  // The reference values were measured with a float64 reimplementation of run.c; float32 ONNX Runtime agrees to 4 digits.
  it('stories260K matches the reference perplexity on stories 201-1000', async () => {
    const folder = await models.folder('stories260K');
    const runner = await openRunner(folder);
    const [result] = await evaluateQuality({ reference: runner, variants: [runner], stories: await evaluationTokens('stories260K') });

    expect(result!.predictedTokens).toBe(301_516);
    expect(result!.meanNll).toBeCloseTo(1.5658, 4);
    // 4.787 is rounded to three decimals; exp(1.56579) = 4.78647.
    expect(Math.abs(result!.perplexity - 4.787)).toBeLessThan(1e-3);
  }, 300_000);

  it('babyllama-tok105 matches the reference perplexity on stories 201-1000', async () => {
    const folder = await models.folder('babyllama-tok105');
    const runner = await openRunner(folder);
    const [result] = await evaluateQuality({ reference: runner, variants: [runner], stories: await evaluationTokens('babyllama-tok105') });

    expect(result!.predictedTokens).toBe(204_000);
    expect(result!.meanNll).toBeCloseTo(0.7311, 4);
    expect(Math.abs(result!.perplexity - 2.077)).toBeLessThan(1e-3);
  }, 300_000);
});
