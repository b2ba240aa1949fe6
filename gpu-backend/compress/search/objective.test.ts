import { describe, expect, it } from 'vitest';

import { parsePercent, selectVariant } from './objective.js';
import { syntheticMeasurement } from './testing-measurement.js';

const variants = [
  syntheticMeasurement({ name: 'int8', pplIncreasePercent: 0.1, p95DecodeMs: 9, fileBytes: 400, bitsPerWeight: 8 }),
  syntheticMeasurement({ name: 'q4', pplIncreasePercent: 2.5, p95DecodeMs: 6, fileBytes: 200, bitsPerWeight: 5 }),
  syntheticMeasurement({ name: 'mixed', pplIncreasePercent: 1.2, p95DecodeMs: 7, fileBytes: 260, bitsPerWeight: 5.5, agreement: 0.98 }),
  syntheticMeasurement({ name: 'fp16', pplIncreasePercent: 0.0, p95DecodeMs: 12, fileBytes: 600, bitsPerWeight: 16, agreement: 0.999 }),
];

describe('selectVariant', () => {
  it('picks the smallest p95 decode latency within +2% perplexity', () => {
    const selection = selectVariant(variants, 'p95-decode-latency', { maxPerplexityIncreasePercent: 2 });
    expect(selection.chosen?.name).toBe('mixed');
    expect(selection.rejected.map((r) => r.variant.name)).toEqual(['q4']);
    expect(selection.rejected[0]!.reasons[0]).toMatch(/perplexity increase 2\.500% exceeds the maximum 2%/);
  });

  it('picks the smallest file within +1.5% perplexity', () => {
    expect(selectVariant(variants, 'size', { maxPerplexityIncreasePercent: 1.5 }).chosen?.name).toBe('mixed');
  });

  it('applies every constraint together', () => {
    const selection = selectVariant(variants, 'size', { maxPerplexityIncreasePercent: 1.5, minTop1Agreement: 0.99 });
    expect(selection.chosen?.name).toBe('int8');
    expect(selectVariant(variants, 'p95-decode-latency', { maxBitsPerWeight: 5.2 }).chosen?.name).toBe('q4');
  });

  it('returns no choice when nothing meets the constraints', () => {
    const selection = selectVariant(variants, 'size', { maxPerplexityIncreasePercent: 0.01, minTop1Agreement: 0.9999 });
    expect(selection.chosen).toBeNull();
    expect(selection.rejected).toHaveLength(4);
  });

  it('without constraints the objective alone decides', () => {
    expect(selectVariant(variants, 'p95-decode-latency', {}).chosen?.name).toBe('q4');
    expect(selectVariant(variants, 'perplexity', {}).chosen?.name).toBe('fp16');
  });
});

describe('parsePercent', () => {
  it('accepts numbers with or without a percent sign', () => {
    expect(parsePercent('2%')).toBe(2);
    expect(parsePercent('1.5')).toBe(1.5);
  });

  it('rejects other text', () => {
    expect(() => parsePercent('two')).toThrow(/invalid percentage/);
    expect(() => parsePercent('-1%')).toThrow(/invalid percentage/);
  });
});
