import { describe, expect, it } from 'vitest';

import { GatewayConfigError } from '../gateway/backend.js';
import { DEFAULT_VARIANT_POLICY, parseVariantPolicies } from './variant-policy.js';

describe('parseVariantPolicies', () => {
  it('reads a policy per model', () => {
    const policies = parseVariantPolicies('{"story":{"reference":"fp32","qualityFloor":0.5}}');

    expect([...policies.keys()]).toEqual(['story']);
    expect(policies.get('story')).toEqual({ ...DEFAULT_VARIANT_POLICY, reference: 'fp32', qualityFloor: 0.5 });
  });

  it('rejects invalid JSON', () => {
    expect(() => parseVariantPolicies('{"story":')).toThrow(GatewayConfigError);
    expect(() => parseVariantPolicies('{"story":')).toThrow(/VARIANT_POLICY is not valid JSON/);
  });
});
