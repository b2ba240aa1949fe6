/**
 * Per-model objectives for choosing between deployed variants, read from the `VARIANT_POLICY`
 * setting (JSON), for example:
 *
 * ```json
 * { "stories260K": { "reference": "fp32", "latencyObjectiveSeconds": 2, "qualityFloor": 0.9, "replayFraction": 0.05 } }
 * ```
 *
 * Models without an entry use {@link DEFAULT_VARIANT_POLICY}, with the variant of their first
 * configured backend as the reference.
 */

import { parseJsonSetting } from '../config/json-setting.js';
import { GatewayConfigError } from '../gateway/backend.js';

export interface VariantPolicy {
  /** Variant whose outputs define quality 1 and whose price defines the cost baseline. */
  reference: string | undefined;
  /** p95 of total request time that a variant must stay under, in seconds. */
  latencyObjectiveSeconds: number;
  /** Lowest acceptable agreement with the reference, from 0 to 1. */
  qualityFloor: number;
  /** Share of a non-reference variant's requests replayed on the reference, from 0 to 1. */
  replayFraction: number;
}

export const DEFAULT_VARIANT_POLICY: VariantPolicy = {
  reference: undefined,
  latencyObjectiveSeconds: 5,
  qualityFloor: 0.8,
  replayFraction: 0.05,
};

const FIELDS = ['reference', 'latencyObjectiveSeconds', 'qualityFloor', 'replayFraction'];

/** Parses `VARIANT_POLICY`; throws GatewayConfigError naming each invalid field. */
export function parseVariantPolicies(value: unknown, where = 'VARIANT_POLICY'): Map<string, VariantPolicy> {
  const policies = new Map<string, VariantPolicy>();
  if (value === undefined || value === '') return policies;

  const setting = parseJsonSetting(value, where);
  if (!setting.ok) throw new GatewayConfigError([setting.problem]);
  const parsed = setting.value;
  if (!isRecord(parsed)) throw new GatewayConfigError([`${where} must be an object mapping model ids to policies.`]);

  const problems: string[] = [];
  for (const [model, entry] of Object.entries(parsed)) {
    const at = `${where}.${model}`;
    if (!isRecord(entry)) {
      problems.push(`${at} must be an object with ${FIELDS.join(', ')}.`);
      continue;
    }
    for (const key of Object.keys(entry)) if (!FIELDS.includes(key)) problems.push(`${at}.${key} is not a known field (known: ${FIELDS.join(', ')}).`);

    const policy = { ...DEFAULT_VARIANT_POLICY };
    if (entry.reference !== undefined) {
      if (typeof entry.reference === 'string' && entry.reference !== '') policy.reference = entry.reference;
      else problems.push(`${at}.reference must be a variant name, got ${JSON.stringify(entry.reference)}.`);
    }
    policy.latencyObjectiveSeconds = readPositive(entry.latencyObjectiveSeconds, `${at}.latencyObjectiveSeconds`, policy.latencyObjectiveSeconds, problems);
    policy.qualityFloor = readNumber(entry.qualityFloor, `${at}.qualityFloor`, 0, 1, policy.qualityFloor, problems);
    policy.replayFraction = readNumber(entry.replayFraction, `${at}.replayFraction`, 0, 1, policy.replayFraction, problems);
    policies.set(model, policy);
  }

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return policies;
}

function readNumber(value: unknown, where: string, min: number, max: number, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value >= min && value <= max) return value;
  problems.push(`${where} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  return fallback;
}

function readPositive(value: unknown, where: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  problems.push(`${where} must be a positive number of seconds, got ${JSON.stringify(value)}.`);
  return fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
