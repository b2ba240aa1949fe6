import { describe, expect, it } from 'vitest';

import { CostModel, type CostInput } from './cost-model.js';
import { parsePrices } from './prices.js';
import { GatewayConfigError } from '../gateway/backend.js';

/** 3.6 $/h is 0.001 $/s, which keeps the expected numbers readable. */
const PRICES = { edgeRequestUsd: 0.00001, backendHourlyUsd: { 'gpu-fp16': 3.6, 'gpu-q4': 3.6 } };

function input(overrides: Partial<CostInput>): CostInput {
  return {
    model: 'story',
    variant: 'fp16',
    referenceVariant: 'fp16',
    backend: 'gpu-fp16',
    cacheStatus: 'miss',
    batchSize: 1,
    queueSeconds: null,
    durationSeconds: 1,
    promptTokens: 50,
    completionTokens: 50,
    ...overrides,
  };
}

describe('CostModel', () => {
  it('charges hardware time plus the edge price', () => {
    const cost = new CostModel(PRICES).price(input({ durationSeconds: 2, queueSeconds: 0.5 }));

    expect(cost.spentUsd).toBeCloseTo(0.00001 + 0.0015, 12);
    expect(cost.baselineUsd).toBeCloseTo(cost.spentUsd, 12);
    expect(cost.savedByCompressionUsd).toBeCloseTo(0, 12);
  });

  it('attributes the batch share to batching', () => {
    const cost = new CostModel(PRICES).price(input({ batchSize: 4 }));

    expect(cost.spentUsd).toBeCloseTo(0.00001 + 0.00025, 12);
    expect(cost.savedByBatchingUsd).toBeCloseTo(0.00075, 12);
  });

  it('attributes the per-token price difference to compression', () => {
    const model = new CostModel(PRICES);
    model.price(input({ durationSeconds: 1 }));

    const cost = model.price(input({ variant: 'q4', backend: 'gpu-q4', durationSeconds: 0.25 }));

    expect(model.rate('story', 'fp16')).toBeCloseTo(0.001 / 100, 12);
    expect(cost.savedByCompressionUsd).toBeCloseTo(0.001 - 0.00025, 12);
    expect(cost.baselineUsd - cost.spentUsd).toBeCloseTo(cost.savedByCacheUsd + cost.savedByBatchingUsd + cost.savedByCompressionUsd, 12);
  });

  it('counts a cache hit as the full saved cost', () => {
    const model = new CostModel(PRICES);
    model.price(input({}));

    const cost = model.price(input({ cacheStatus: 'hit', backend: 'cache', durationSeconds: 0.01 }));

    expect(cost.spentUsd).toBe(0.00001);
    expect(cost.savedByCacheUsd).toBeCloseTo(0.001, 12);
  });

  it('charges nothing for unpriced hardware', () => {
    const cost = new CostModel({ edgeRequestUsd: 0, backendHourlyUsd: {} }).price(input({ backend: 'local' }));

    expect(cost.spentUsd).toBe(0);
  });
});

describe('parsePrices', () => {
  it('reads JSON prices', () => {
    expect(parsePrices('{"edgeRequestUsd":0.0000003,"backendHourlyUsd":{"a":2}}')).toEqual({ edgeRequestUsd: 0.0000003, backendHourlyUsd: { a: 2 } });
    expect(parsePrices(undefined)).toEqual({ edgeRequestUsd: 0, backendHourlyUsd: {} });
  });

  it('lists every invalid field', () => {
    let problems: readonly string[] = [];
    try {
      parsePrices('{"edgeRequestUsd":-1,"backendHourlyUsd":{"a":"cheap"},"tax":1}');
    } catch (error) {
      if (!(error instanceof GatewayConfigError)) throw error;
      problems = error.problems;
    }

    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain('COST_MODEL.backendHourlyUsd.a');
  });

  it('rejects invalid JSON', () => {
    expect(() => parsePrices('{"edgeRequestUsd":')).toThrow(GatewayConfigError);
    expect(() => parsePrices('{"edgeRequestUsd":')).toThrow(/COST_MODEL is not valid JSON/);
  });
});
