import { describe, expect, it } from 'vitest';

import { seededRandom } from './random.js';
import { DEFAULT_VARIANT_POLICY } from './variant-policy.js';
import { VariantRouter } from './variant-router.js';

const POLICY = { ...DEFAULT_VARIANT_POLICY, reference: 'fp16', latencyObjectiveSeconds: 1, qualityFloor: 0.8 };

/** $ per token: the 4-bit variant is four times cheaper than the reference. */
const COST: Record<string, number> = { fp16: 4e-6, q4: 1e-6 };

function router(seed = 42): VariantRouter {
  return new VariantRouter({
    variants: new Map([['story', ['fp16', 'q4']]]),
    policies: new Map([['story', POLICY]]),
    costPerToken: (_model, variant) => COST[variant],
    random: seededRandom(seed),
  });
}

/**
 * Runs `rounds` requests and returns how many each variant served. Each served request reports
 * `latency(variant)`, and every q4 request reports the quality score `q4Quality`.
 */
function simulate(target: VariantRouter, rounds: number, q4Quality: number, latency: (variant: string) => number): Record<string, number> {
  const share: Record<string, number> = { fp16: 0, q4: 0 };
  for (let round = 0; round < rounds; round++) {
    const choice = target.choose('story');
    if (choice === undefined) throw new Error('VariantRouter.choose returned no variant for a configured model.');
    share[choice.variant] = (share[choice.variant] ?? 0) + 1;
    target.observeLatency('story', choice.variant, latency(choice.variant));
    if (choice.variant === 'q4') target.observeQuality('story', 'q4', q4Quality);
  }
  return share;
}

describe('VariantRouter', () => {
  it('sends most traffic to the cheaper good variant', () => {
    const share = simulate(router(), 400, 0.95, () => 0.2);

    expect(share.q4).toBeGreaterThan(360);
  });

  it('moves traffic away from a variant whose quality drops', () => {
    const target = router();
    simulate(target, 300, 0.95, () => 0.2);

    simulate(target, 100, 0.3, () => 0.2);
    const after = simulate(target, 400, 0.3, () => 0.2);

    expect(after.q4).toBeLessThan(20);
    expect(after.fp16).toBeGreaterThan(380);
  });

  it('moves traffic away from a variant that breaks the latency objective', () => {
    const target = router();
    simulate(target, 300, 0.95, () => 0.2);

    const slowQ4 = (variant: string) => (variant === 'q4' ? 2.5 : 0.3);
    simulate(target, 200, 0.95, slowQ4);
    const after = simulate(target, 400, 0.95, slowQ4);

    expect(after.q4).toBeLessThan(20);
  });

  it('gives traffic back once the variant recovers', () => {
    const target = router();
    simulate(target, 300, 0.3, () => 0.2);

    simulate(target, 1500, 0.97, () => 0.2);
    const after = simulate(target, 400, 0.97, () => 0.2);

    expect(after.q4).toBeGreaterThan(300);
  });

  it('repeats the same choices for the same seed', () => {
    const first = simulate(router(9), 200, 0.9, () => 0.2);
    const second = simulate(router(9), 200, 0.9, () => 0.2);

    expect(second).toEqual(first);
  });

  it('does not split a single-variant model', () => {
    const target = new VariantRouter({ variants: new Map([['solo', ['default']]]), policies: new Map(), costPerToken: () => undefined, random: seededRandom(1) });

    expect(target.choose('solo')).toEqual({ variant: 'default', reason: 'single' });
    expect(target.splits('solo')).toBe(false);
    expect(target.choose('unknown')).toBeUndefined();
  });

  it('falls back to the fastest variant when none meets the objective', () => {
    const target = router();
    for (let index = 0; index < 20; index++) {
      target.observeLatency('story', 'fp16', 3);
      target.observeLatency('story', 'q4', 2);
    }
    const reasons = new Set(Array.from({ length: 50 }, () => target.choose('story')?.reason));

    expect(target.choose('story')?.variant).toBeDefined();
    expect(reasons.has('fallback-fastest')).toBe(true);
  });
});
