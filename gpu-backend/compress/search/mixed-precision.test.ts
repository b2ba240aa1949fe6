import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../src/log/logger.js';
import { loadModel } from '../../onnx/model-io.js';
import { decoderShapeOf } from '../evaluate/evaluate-variants.js';
import { loadEvaluationTokenizer } from '../evaluate/evaluation-tokenizer.js';
import { defaultStoriesPath, loadStories, tokenizeStories } from '../evaluate/stories.js';
import { createTemporaryModels, type TemporaryModels } from '../testing/models.js';
import { allAssignments, assignmentSteps, chooseMixedPrecision } from './mixed-precision.js';

let models: TemporaryModels;

beforeAll(async () => {
  models = await createTemporaryModels();
});

afterAll(async () => {
  await models.remove();
});

describe('assignmentSteps', () => {
  it('merges groups that share a format into one step', () => {
    expect(assignmentSteps({ attention: 'q4b32', mlp: 'q4b32', lmHead: 'q4b32' })).toEqual([
      { method: 'int4-rtn', params: { blockSize: 32, weights: 'all', lmHead: true } },
    ]);
  });

  it('splits int8 and 4-bit groups', () => {
    expect(assignmentSteps({ attention: 'int8', mlp: 'q4b64', lmHead: 'int8' })).toEqual([
      { method: 'int8-qdq', params: { weights: 'attention', lmHead: true } },
      { method: 'int4-rtn', params: { blockSize: 64, weights: 'mlp', lmHead: false } },
    ]);
  });

  it('returns null for an lm_head format no other group uses', () => {
    expect(assignmentSteps({ attention: 'int8', mlp: 'int8', lmHead: 'q4b32' })).toBeNull();
  });
});

describe('allAssignments', () => {
  it('lists only representable assignments without duplicates', () => {
    const assignments = allAssignments(['int8', 'q4b32']);
    // Two formats per group: 2·2 pairs, the lm_head taking one of the (one or two) formats in use.
    expect(assignments).toHaveLength(6);
    expect(assignments.every((assignment) => assignmentSteps(assignment) !== null)).toBe(true);
  });
});

describe('chooseMixedPrecision', () => {
  it('picks the lowest-loss assignment within the budget', async () => {
    const folder = await models.folder('stories260K');
    const tokenizer = await loadEvaluationTokenizer(folder.dir, folder.config.bosTokenId);
    const calibration = tokenizeStories(await loadStories(defaultStoriesPath(), { first: 1, last: 2 }), tokenizer, 128);

    const result = await chooseMixedPrecision({
      model: loadModel(folder.onnxPath),
      shape: decoderShapeOf(folder.config),
      calibration,
      maxBitsPerWeight: 5,
      formats: ['q4b32', 'q4b64'],
      context: { logger: silentLogger, executionProvider: 'cpu', workDir: models.parent },
      intraOpNumThreads: 1,
    });

    const evaluated = result.trials.filter((trial) => trial.calibrationNll !== null);
    expect(evaluated.length).toBeGreaterThan(0);
    expect(result.chosen.bitsPerWeight).toBeLessThanOrEqual(5);
    expect(result.chosen.calibrationNll).toBe(Math.min(...evaluated.map((trial) => trial.calibrationNll!)));
    expect(result.trials.filter((trial) => trial.calibrationNll === null).every((trial) => trial.bitsPerWeight > 5)).toBe(true);
    expect(result.recipe.steps).toEqual(assignmentSteps(result.chosen.assignment));
  }, 120_000);
});
