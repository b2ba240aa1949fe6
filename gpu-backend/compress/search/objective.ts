/**
 * Choice of one variant: the best value of an objective among the variants that meet every
 * constraint. Each rejected variant keeps the reasons, so a quality gate can print them.
 */

import type { VariantMeasurement } from '../evaluate/evaluate-variants.js';

export const OBJECTIVES = ['p95-decode-latency', 'median-decode-latency', 'prefill-latency', 'size', 'matmul-size', 'perplexity', 'cost'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface Constraints {
  /** Maximum perplexity increase over the base model, in percent. */
  maxPerplexityIncreasePercent?: number;
  /** Minimum top-1 agreement with the base model, as a fraction in [0, 1]. */
  minTop1Agreement?: number;
  /** Maximum stored bits per MatMul weight. */
  maxBitsPerWeight?: number;
}

export function isObjective(value: string): value is Objective {
  return (OBJECTIVES as readonly string[]).includes(value);
}

/** Returns the value an objective minimizes. Throws when the measurement it needs was not taken. */
export function objectiveValue(variant: VariantMeasurement, objective: Objective): number {
  const batchOne = (): NonNullable<VariantMeasurement['performance']>['latency'][number] => {
    const entry = variant.performance?.latency.find((latency) => latency.batchSize === 1) ?? variant.performance?.latency[0];
    if (!entry) throw new Error(`objective ${objective} needs latency measurements, which ${variant.name} does not have`);
    return entry;
  };

  switch (objective) {
    case 'p95-decode-latency':
      return batchOne().decode.p95Ms;
    case 'median-decode-latency':
      return batchOne().decode.medianMs;
    case 'prefill-latency':
      return batchOne().prefill.medianMs;
    case 'size':
      return variant.fileBytes;
    case 'matmul-size':
      return variant.matmul.bytes;
    case 'perplexity':
      if (!variant.quality) throw new Error(`objective perplexity needs quality measurements, which ${variant.name} does not have`);
      return variant.quality.perplexity;
    case 'cost': {
      const cost = variant.performance?.dollarsPerMillionTokens;
      if (cost === undefined || cost === null) throw new Error(`objective cost needs a price per hour and latency measurements for ${variant.name}`);
      return cost;
    }
  }
}

/** Reasons the variant breaks the constraints; empty when it meets them all. */
export function constraintViolations(variant: VariantMeasurement, constraints: Constraints): string[] {
  const reasons: string[] = [];
  const quality = variant.quality;
  if (constraints.maxPerplexityIncreasePercent !== undefined) {
    if (!quality) reasons.push('perplexity was not measured');
    else if (quality.perplexityIncreasePercent > constraints.maxPerplexityIncreasePercent) {
      reasons.push(
        `perplexity increase ${quality.perplexityIncreasePercent.toFixed(3)}% exceeds the maximum ${constraints.maxPerplexityIncreasePercent}% ` +
          `(perplexity ${quality.perplexity.toFixed(4)} over ${quality.predictedTokens} tokens)`,
      );
    }
  }
  if (constraints.minTop1Agreement !== undefined) {
    if (!quality) reasons.push('top-1 agreement was not measured');
    else if (quality.top1Agreement < constraints.minTop1Agreement) {
      reasons.push(`top-1 agreement ${quality.top1Agreement.toFixed(4)} is below the minimum ${constraints.minTop1Agreement}`);
    }
  }
  if (constraints.maxBitsPerWeight !== undefined && variant.matmul.bitsPerWeight > constraints.maxBitsPerWeight) {
    reasons.push(`${variant.matmul.bitsPerWeight.toFixed(2)} bits per MatMul weight exceeds the maximum ${constraints.maxBitsPerWeight}`);
  }
  return reasons;
}

export interface Selection {
  /** The variant with the lowest objective value among those meeting the constraints, if any. */
  chosen: VariantMeasurement | null;
  rejected: { variant: VariantMeasurement; reasons: string[] }[];
}

/** Picks the variant with the lowest objective value that meets the constraints; ties keep input order. */
export function selectVariant(variants: readonly VariantMeasurement[], objective: Objective, constraints: Constraints): Selection {
  const rejected: Selection['rejected'] = [];
  let chosen: VariantMeasurement | null = null;
  let best = Infinity;
  for (const variant of variants) {
    const reasons = constraintViolations(variant, constraints);
    if (reasons.length > 0) {
      rejected.push({ variant, reasons });
      continue;
    }
    const value = objectiveValue(variant, objective);
    if (value < best) {
      best = value;
      chosen = variant;
    }
  }
  return { chosen, rejected };
}

/** Parses a percentage such as `2%`, `1.5%` or `2`; throws on anything else. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!match) throw new Error(`invalid percentage ${JSON.stringify(text)}: expected a number such as 2% or 1.5`);
  return Number(match[1]);
}
