/**
 * Configured prices for the cost model, read from the `COST_MODEL` setting (JSON):
 *
 * ```json
 * { "edgeRequestUsd": 0.0000003, "backendHourlyUsd": { "gpu-int8": 2.5, "gpu-fp16": 2.5 } }
 * ```
 *
 * `edgeRequestUsd` is the price of one gateway request (Workers bills per request);
 * `backendHourlyUsd` maps a backend name to the price of its hardware per hour. A backend missing
 * from the map costs nothing per hour, which suits a local machine that is already paid for.
 */

import { parseJsonSetting } from '../config/json-setting.js';
import { GatewayConfigError } from '../gateway/backend.js';

export interface Prices {
  edgeRequestUsd: number;
  backendHourlyUsd: Readonly<Record<string, number>>;
}

export const NO_PRICES: Prices = { edgeRequestUsd: 0, backendHourlyUsd: {} };

/** Parses the `COST_MODEL` JSON; throws GatewayConfigError naming each invalid field. */
export function parsePrices(value: unknown, where = 'COST_MODEL'): Prices {
  if (value === undefined || value === '') return NO_PRICES;

  const setting = parseJsonSetting(value, where);
  if (!setting.ok) throw new GatewayConfigError([setting.problem]);
  const parsed = setting.value;

  const problems: string[] = [];
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayConfigError([`${where} must be an object like {"edgeRequestUsd":0.0000003,"backendHourlyUsd":{"local":1.2}}.`]);
  }
  const record = parsed as Record<string, unknown>;

  for (const key of Object.keys(record)) {
    if (key !== 'edgeRequestUsd' && key !== 'backendHourlyUsd') problems.push(`${where}.${key} is not a known field (known: edgeRequestUsd, backendHourlyUsd).`);
  }

  const edgeRequestUsd = record.edgeRequestUsd ?? 0;
  if (!isPrice(edgeRequestUsd)) problems.push(`${where}.edgeRequestUsd must be a non-negative number of dollars, got ${JSON.stringify(edgeRequestUsd)}.`);

  const hourly = record.backendHourlyUsd ?? {};
  const backendHourlyUsd: Record<string, number> = {};
  if (typeof hourly !== 'object' || hourly === null || Array.isArray(hourly)) {
    problems.push(`${where}.backendHourlyUsd must map backend names to dollars per hour.`);
  } else {
    for (const [backend, price] of Object.entries(hourly)) {
      if (isPrice(price)) backendHourlyUsd[backend] = price;
      else problems.push(`${where}.backendHourlyUsd.${backend} must be a non-negative number of dollars per hour, got ${JSON.stringify(price)}.`);
    }
  }

  if (problems.length > 0) throw new GatewayConfigError(problems);
  return { edgeRequestUsd: edgeRequestUsd as number, backendHourlyUsd };
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
