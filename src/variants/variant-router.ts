/**
 * Traffic split between the deployed variants of a model: constrained Thompson sampling that
 * minimizes cost per token subject to a p95 latency objective and a quality floor.
 *
 * For each request, every variant draws a quality from its beta posterior (the reference variant
 * is quality 1 by definition) and is feasible when the draw reaches the floor and its recent p95
 * latency meets the objective. The feasible variant with the lowest measured $/token wins. A small
 * share of requests (`explorationRate`) goes to a uniformly chosen variant, so a variant that
 * lost its traffic keeps producing the latency and quality evidence it needs to win it back.
 */

import { MIN_LATENCY_SAMPLES, MIN_QUALITY_SAMPLES, VariantArm } from './variant-arm.js';
import { DEFAULT_VARIANT_POLICY, type VariantPolicy } from './variant-policy.js';
import { sampleBeta, sampleNormal, type Random } from './random.js';

export interface VariantRouterOptions {
  /** Variants per model, in configuration order; models with one variant are not split. */
  variants: ReadonlyMap<string, readonly string[]>;
  policies: ReadonlyMap<string, VariantPolicy>;
  /** Measured $ per token of a variant; undefined before it has served a priced request. */
  costPerToken: (model: string, variant: string) => number | undefined;
  random: Random;
  /** Share of requests sent to a uniformly chosen variant, from 0 to 1. Default 0.02. */
  explorationRate?: number;
}

export type ChoiceReason = 'single' | 'exploration' | 'cheapest-feasible' | 'fallback-reference' | 'fallback-fastest';

export interface VariantChoice {
  variant: string;
  reason: ChoiceReason;
}

/** Relative spread of the cost draw, so variants of equal measured cost share traffic. */
const COST_NOISE = 0.05;

export class VariantRouter {
  readonly #arms = new Map<string, VariantArm[]>();
  readonly #policies: ReadonlyMap<string, VariantPolicy>;
  readonly #costPerToken: VariantRouterOptions['costPerToken'];
  readonly #random: Random;
  readonly #explorationRate: number;

  constructor(options: VariantRouterOptions) {
    const explorationRate = options.explorationRate ?? 0.02;
    if (!(explorationRate >= 0 && explorationRate <= 1)) throw new TypeError(`VariantRouter: options.explorationRate must be from 0 to 1, got ${String(explorationRate)}.`);
    for (const [model, variants] of options.variants) {
      if (variants.length === 0) throw new TypeError(`VariantRouter: model '${model}' has no variants.`);
      this.#arms.set(model, variants.map((variant) => new VariantArm(variant)));
    }
    this.#policies = options.policies;
    this.#costPerToken = options.costPerToken;
    this.#random = options.random;
    this.#explorationRate = explorationRate;
  }

  policy(model: string): VariantPolicy {
    return this.#policies.get(model) ?? DEFAULT_VARIANT_POLICY;
  }

  /** Returns the reference variant: the policy's, or else the first configured one. */
  reference(model: string): string | undefined {
    return this.policy(model).reference ?? this.#arms.get(model)?.[0]?.variant;
  }

  /** True when the model has more than one variant to choose from. */
  splits(model: string): boolean {
    return (this.#arms.get(model)?.length ?? 0) > 1;
  }

  /** Picks the variant for the next request of `model`; undefined for an unknown model. */
  choose(model: string): VariantChoice | undefined {
    const arms = this.#arms.get(model);
    if (arms === undefined) return undefined;
    if (arms.length === 1) return { variant: (arms[0] as VariantArm).variant, reason: 'single' };

    if (this.#random.next() < this.#explorationRate) {
      const arm = arms[Math.floor(this.#random.next() * arms.length)] as VariantArm;
      return { variant: arm.variant, reason: 'exploration' };
    }

    const policy = this.policy(model);
    const reference = this.reference(model);
    const candidates: { arm: VariantArm; cost: number; tieBreak: number }[] = [];
    for (const arm of arms) {
      const qualityOk = arm.variant === reference || arm.qualitySamples < MIN_QUALITY_SAMPLES || sampleBeta(this.#random, arm.alpha, arm.beta) >= policy.qualityFloor;
      const p95 = arm.latencyP95();
      const latencyOk = arm.latencySamples < MIN_LATENCY_SAMPLES || p95 === null || p95 <= policy.latencyObjectiveSeconds;
      if (!qualityOk || !latencyOk) continue;

      // An unmeasured variant costs 0 in the draw, which sends it traffic until it has a price.
      const measured = this.#costPerToken(model, arm.variant) ?? 0;
      candidates.push({ arm, cost: measured * (1 + COST_NOISE * sampleNormal(this.#random)), tieBreak: this.#random.next() });
    }

    if (candidates.length > 0) {
      candidates.sort((a, b) => a.cost - b.cost || a.tieBreak - b.tieBreak);
      return { variant: (candidates[0] as (typeof candidates)[number]).arm.variant, reason: 'cheapest-feasible' };
    }

    const referenceArm = arms.find((arm) => arm.variant === reference);
    const referenceP95 = referenceArm?.latencyP95() ?? null;
    if (referenceArm !== undefined && (referenceP95 === null || referenceP95 <= policy.latencyObjectiveSeconds)) {
      return { variant: referenceArm.variant, reason: 'fallback-reference' };
    }
    const fastest = [...arms].sort((a, b) => (a.latencyP95() ?? 0) - (b.latencyP95() ?? 0))[0] as VariantArm;
    return { variant: fastest.variant, reason: 'fallback-fastest' };
  }

  observeLatency(model: string, variant: string, seconds: number): void {
    this.#arm(model, variant)?.observeLatency(seconds);
  }

  observeQuality(model: string, variant: string, score: number): void {
    this.#arm(model, variant)?.observeQuality(score);
  }

  /** Current estimates per variant of `model`, for tests and diagnostics. */
  describe(model: string): { variant: string; qualityMean: number; qualitySamples: number; latencyP95Seconds: number | null }[] {
    return (this.#arms.get(model) ?? []).map((arm) => ({
      variant: arm.variant,
      qualityMean: arm.qualityMean(),
      qualitySamples: arm.qualitySamples,
      latencyP95Seconds: arm.latencyP95(),
    }));
  }

  #arm(model: string, variant: string): VariantArm | undefined {
    return this.#arms.get(model)?.find((arm) => arm.variant === variant);
  }
}
