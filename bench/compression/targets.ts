/** The compression benchmark's targets, checked against the measured reports. */

import { median } from '../../gpu-backend/compress/evaluate/stats.js';
import type { VariantMeasurement } from '../../gpu-backend/compress/evaluate/evaluate-variants.js';

interface Report {
  model: string;
  variants: VariantMeasurement[];
}

/** Median over stories of (story perplexity of the variant / that of the base − 1)·100. */
export function medianStoryIncreasePercent(base: VariantMeasurement, variant: VariantMeasurement): number {
  const b = base.quality;
  const v = variant.quality;
  if (!b || !v) return Number.NaN;
  const ratios = v.storyNllSums.map((sum, i) => (Math.exp((sum - b.storyNllSums[i]!) / v.storyTokenCounts[i]!) - 1) * 100);
  return median(ratios);
}

function find(report: Report, name: string): VariantMeasurement | undefined {
  return report.variants.find((variant) => variant.name === name);
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export function checkTargets(reports: readonly Report[]): string[] {
  const lines: string[] = [];
  for (const report of reports) {
    const base = find(report, 'base');
    const int8 = find(report, 'int8');
    const q4 = find(report, 'q4-all');
    const mixed = find(report, 'mixed-auto');
    if (base?.quality && int8?.quality) {
      const increase = int8.quality.perplexityIncreasePercent;
      lines.push(`${report.model}: int8 Δppl ${increase.toFixed(3)}% (target ≤ +0.15%): ${verdict(increase <= 0.15)}`);
    }
    if (base?.quality && q4?.quality) {
      const increase = q4.quality.perplexityIncreasePercent;
      const ratio = base.matmul.bytes / q4.matmul.bytes;
      lines.push(`${report.model}: 4-bit block 32 (q4-all) Δppl ${increase.toFixed(2)}% (target ≤ +3%): ${verdict(increase <= 3)}; MatMul weights ${ratio.toFixed(2)}× smaller (target ≥ 5×): ${verdict(ratio >= 5)}`);
    }
    if (mixed?.quality) {
      const increase = mixed.quality.perplexityIncreasePercent;
      const bits = mixed.matmul.bitsPerWeight;
      lines.push(`${report.model}: mixed-auto Δppl ${increase.toFixed(2)}% at ${bits.toFixed(2)} bits/weight (target ≤ +1.5% at ≤ 5 bits): ${verdict(increase <= 1.5 && bits <= 5)}`);
    }
    const decodeMs = (variant: VariantMeasurement | undefined): number | undefined => variant?.performance?.latency.find((entry) => entry.batchSize === 1)?.decode.medianMs;
    const baseDecode = decodeMs(base);
    const fourBit = report.variants.filter((variant) => variant.name.startsWith('q4'));
    for (const variant of base?.quality ? [] : fourBit) {
      const variantDecode = decodeMs(variant);
      if (baseDecode === undefined || variantDecode === undefined) continue;
      const speedup = baseDecode / variantDecode;
      lines.push(`${report.model}: ${variant.name} decode at batch 1 is ${speedup.toFixed(2)}× the float32 speed (target ≥ 1.3×): ${verdict(speedup >= 1.3)}`);
    }
  }
  return lines;
}
