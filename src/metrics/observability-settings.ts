/**
 * Settings of metrics, cost and variant routing, read from string variables like the other
 * gateway settings (wrangler `[vars]` and secrets in workerd, `process.env` in Node):
 *
 * | variable                 | meaning                                                      | default |
 * | ------------------------ | ------------------------------------------------------------ | ------- |
 * | ADMIN_TOKEN              | bearer token of `/metrics`, `/admin/metrics` and `/dashboard` | unset: those routes return 404 |
 * | COST_MODEL               | JSON prices, see src/cost/prices.ts                          | everything free |
 * | VARIANT_POLICY           | JSON objectives per model, see src/variants/variant-policy.ts | latency 5 s, quality 0.8, replay 5% |
 * | METRICS_FILE             | Node only: JSON file that metrics are loaded from and saved to | unset: kept in memory only |
 * | METRICS_SAVE_INTERVAL_MS | Node only: time between saves of METRICS_FILE, in ms          | 60000 |
 */

import { GatewayConfigError } from '../gateway/backend.js';
import { parsePrices, type Prices } from '../cost/prices.js';
import { parseVariantPolicies, type VariantPolicy } from '../variants/variant-policy.js';

export interface ObservabilitySettingsSource {
  ADMIN_TOKEN?: unknown;
  COST_MODEL?: unknown;
  VARIANT_POLICY?: unknown;
  METRICS_FILE?: unknown;
  METRICS_SAVE_INTERVAL_MS?: unknown;
}

export interface ObservabilitySettings {
  adminToken: string | undefined;
  prices: Prices;
  policies: Map<string, VariantPolicy>;
  metricsFile: string | undefined;
  metricsSaveIntervalMs: number;
}

export const DEFAULT_METRICS_SAVE_INTERVAL_MS = 60_000;

/** Reads and validates the settings; throws GatewayConfigError listing every invalid variable. */
export function readObservabilitySettings(variables: Readonly<ObservabilitySettingsSource>): ObservabilitySettings {
  const problems: string[] = [];

  const adminToken = typeof variables.ADMIN_TOKEN === 'string' && variables.ADMIN_TOKEN !== '' ? variables.ADMIN_TOKEN : undefined;
  const prices = collect(() => parsePrices(variables.COST_MODEL), problems) ?? { edgeRequestUsd: 0, backendHourlyUsd: {} };
  const policies = collect(() => parseVariantPolicies(variables.VARIANT_POLICY), problems) ?? new Map<string, VariantPolicy>();
  const metricsFile = typeof variables.METRICS_FILE === 'string' && variables.METRICS_FILE !== '' ? variables.METRICS_FILE : undefined;

  let metricsSaveIntervalMs = DEFAULT_METRICS_SAVE_INTERVAL_MS;
  const interval = variables.METRICS_SAVE_INTERVAL_MS;
  if (interval !== undefined && interval !== '') {
    if (typeof interval === 'string' && /^\d+$/.test(interval.trim()) && Number(interval) > 0) metricsSaveIntervalMs = Number(interval);
    else problems.push(`METRICS_SAVE_INTERVAL_MS must be a positive integer number of milliseconds, got ${JSON.stringify(interval)}.`);
  }

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return { adminToken, prices, policies, metricsFile, metricsSaveIntervalMs };
}

function collect<T>(parse: () => T, problems: string[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
