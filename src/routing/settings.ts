/**
 * Routing settings read from string variables.
 *
 * | variable                  | meaning                                                       | default |
 * | ------------------------- | ------------------------------------------------------------- | ------- |
 * | RETRY_MAX_ATTEMPTS        | attempts per request, the first included                      | 3       |
 * | RETRY_BASE_DELAY_MS       | upper bound of the first backoff delay, in ms (full jitter)   | 50      |
 * | RETRY_MAX_DELAY_MS        | largest backoff delay bound, in ms                            | 1000    |
 * | TOTAL_TIMEOUT_MS          | time from the first attempt to the end of the body, in ms     | 300000  |
 * | CIRCUIT_FAILURE_THRESHOLD | consecutive failures that open a backend's circuit           | 5       |
 * | CIRCUIT_COOL_DOWN_MS      | time an open circuit waits before a probe request, in ms     | 10000   |
 * | HEALTH_CHECK_INTERVAL_MS  | Node only: time between active health checks, in ms          | 5000    |
 */

import { readIntegerVariable } from '../tenancy/settings.js';
import type { RetryPolicy } from './route-request.js';

export interface RoutingSettings {
  retry: RetryPolicy;
  circuitBreaker: { failureThreshold: number; coolDownMs: number };
  healthCheckIntervalMs: number;
}

export interface RoutingSettingsSource {
  RETRY_MAX_ATTEMPTS?: unknown;
  RETRY_BASE_DELAY_MS?: unknown;
  RETRY_MAX_DELAY_MS?: unknown;
  TOTAL_TIMEOUT_MS?: unknown;
  CIRCUIT_FAILURE_THRESHOLD?: unknown;
  CIRCUIT_COOL_DOWN_MS?: unknown;
  HEALTH_CHECK_INTERVAL_MS?: unknown;
}

export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = {
  retry: { maxAttempts: 3, backoff: { baseMs: 50, maxMs: 1_000 }, totalTimeoutMs: 300_000 },
  circuitBreaker: { failureThreshold: 5, coolDownMs: 10_000 },
  healthCheckIntervalMs: 5_000,
};

/** Reads the routing settings, adding a message to `problems` for each invalid variable. */
export function readRoutingSettings(variables: Readonly<RoutingSettingsSource>, problems: string[]): RoutingSettings {
  const defaults = DEFAULT_ROUTING_SETTINGS;
  const read = (value: unknown, name: string, unit: string, fallback: number) => readIntegerVariable(value, name, unit, problems) ?? fallback;

  return {
    retry: {
      maxAttempts: read(variables.RETRY_MAX_ATTEMPTS, 'RETRY_MAX_ATTEMPTS', 'attempts', defaults.retry.maxAttempts),
      backoff: {
        baseMs: read(variables.RETRY_BASE_DELAY_MS, 'RETRY_BASE_DELAY_MS', 'milliseconds', defaults.retry.backoff.baseMs),
        maxMs: read(variables.RETRY_MAX_DELAY_MS, 'RETRY_MAX_DELAY_MS', 'milliseconds', defaults.retry.backoff.maxMs),
      },
      totalTimeoutMs: read(variables.TOTAL_TIMEOUT_MS, 'TOTAL_TIMEOUT_MS', 'milliseconds', defaults.retry.totalTimeoutMs),
    },
    circuitBreaker: {
      failureThreshold: read(variables.CIRCUIT_FAILURE_THRESHOLD, 'CIRCUIT_FAILURE_THRESHOLD', 'failures', defaults.circuitBreaker.failureThreshold),
      coolDownMs: read(variables.CIRCUIT_COOL_DOWN_MS, 'CIRCUIT_COOL_DOWN_MS', 'milliseconds', defaults.circuitBreaker.coolDownMs),
    },
    healthCheckIntervalMs: read(variables.HEALTH_CHECK_INTERVAL_MS, 'HEALTH_CHECK_INTERVAL_MS', 'milliseconds', defaults.healthCheckIntervalMs),
  };
}
