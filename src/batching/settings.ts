/**
 * Batching configuration: `BATCHING` is a JSON object from backend name to its batcher limits,
 * for example `{"local":{"maxBatchSize":8,"maxDelayMs":5,"maxInFlightBatches":2}}`. Backends not named are not batched,
 * so batching is off by default.
 */

import { parseJsonSetting } from '../config/json-setting.js';

export interface BatchLimits {
  /** Requests per backend batch call. */
  maxBatchSize: number;
  /** Maximum wait of the first queued request for others, in milliseconds. */
  maxDelayMs: number;
  /** Batch calls in flight at once, beyond which requests queue by priority; unlimited when absent. */
  maxInFlightBatches?: number;
}

export type BatchingSettings = Readonly<Record<string, BatchLimits>>;

/** Parses BATCHING, adding a message to `problems` for each invalid part. */
export function readBatchingSettings(value: unknown, problems: string[]): BatchingSettings {
  if (value === undefined || value === '') return {};

  const setting = parseJsonSetting(value, 'BATCHING');
  if (!setting.ok) {
    problems.push(setting.problem);
    return {};
  }
  const parsed = setting.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('BATCHING must be a JSON object from backend name to {"maxBatchSize","maxDelayMs"}.');
    return {};
  }

  const settings: Record<string, BatchLimits> = {};
  for (const [name, limits] of Object.entries(parsed)) {
    const { maxBatchSize, maxDelayMs, maxInFlightBatches } = (limits ?? {}) as Partial<BatchLimits>;
    if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize! < 1 || maxBatchSize! > 256) {
      problems.push(`BATCHING.${name}.maxBatchSize must be an integer from 1 to 256, got ${JSON.stringify(maxBatchSize)}.`);
      continue;
    }
    if (typeof maxDelayMs !== 'number' || !(maxDelayMs >= 0 && maxDelayMs <= 10_000)) {
      problems.push(`BATCHING.${name}.maxDelayMs must be a number of milliseconds from 0 to 10000, got ${JSON.stringify(maxDelayMs)}.`);
      continue;
    }
    if (maxInFlightBatches !== undefined && (!Number.isSafeInteger(maxInFlightBatches) || maxInFlightBatches < 1)) {
      problems.push(`BATCHING.${name}.maxInFlightBatches must be a positive integer, got ${JSON.stringify(maxInFlightBatches)}.`);
      continue;
    }
    settings[name] = { maxBatchSize: maxBatchSize!, maxDelayMs, ...(maxInFlightBatches === undefined ? {} : { maxInFlightBatches }) };
  }
  return settings;
}
