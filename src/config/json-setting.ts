/**
 * Reads a setting whose value is JSON. A string is parsed, and any other value is taken as
 * already parsed, because callers may pass objects (tests, in-process embedders) as well as text.
 */

export type JsonSetting = { ok: true; value: unknown } | { ok: false; problem: string };

/** Parses `value` when it is a string. The problem for invalid JSON names the setting `name`. */
export function parseJsonSetting(value: unknown, name: string): JsonSetting {
  if (typeof value !== 'string') return { ok: true, value };

  try {
    return { ok: true, value: JSON.parse(value) };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, problem: `${name} is not valid JSON (${error.message}).` };
  }
}
