/** The deploy command's quality gate: a variant is promoted only when it meets every constraint. */

import type { VariantMeasurement } from '../evaluate/evaluate-variants.js';
import { constraintViolations, type Constraints } from '../search/objective.js';

export class QualityGateError extends Error {
  constructor(
    readonly variant: string,
    readonly reasons: readonly string[],
  ) {
    super(`variant ${variant} rejected by the quality gate: ${reasons.join('; ')}`);
    this.name = 'QualityGateError';
  }
}

/** Throws {@link QualityGateError} with every violated constraint; returns when the variant passes. */
export function enforceQualityGate(variant: VariantMeasurement, constraints: Constraints): void {
  const reasons = constraintViolations(variant, constraints);
  if (reasons.length > 0) throw new QualityGateError(variant.name, reasons);
}
