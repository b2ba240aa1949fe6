/**
 * Validation of user-given method parameters against a method's declarations, and the search
 * space those declarations define. Both come from the same `params` object, so the search can
 * never propose a value that validation would reject.
 */
import type { AnyCompressionMethod, ParamSpec } from '../method.js';

/** Thrown when a parameter value is not valid for its declaration. */
export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

/** Checks one value against its declaration; returns a problem description or undefined. */
export function checkParamValue(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `expected an integer, got ${JSON.stringify(value)}`;
      if (value < spec.min || value > spec.max) return `${value} is outside [${spec.min}, ${spec.max}]`;
      if (spec.powerOfTwo && !isPowerOfTwo(value)) return `${value} is not a power of two`;
      return undefined;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a finite number, got ${JSON.stringify(value)}`;
      if (value < spec.min || value > spec.max) return `${value} is outside [${spec.min}, ${spec.max}]`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case 'enum':
      return typeof value === 'string' && spec.choices.includes(value) ? undefined : `expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`;
    case 'string-list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : `expected a list of strings, got ${JSON.stringify(value)}`;
  }
}

/**
 * Merges `supplied` over the declared defaults and validates every value.
 * Returns the full parameter object, or the list of problems (unknown names, invalid values).
 */
export function resolveParams(method: AnyCompressionMethod, supplied: Record<string, unknown> = {}): { params: Record<string, unknown> } | { problems: string[] } {
  const declarations = method.params as Record<string, ParamSpec>;
  const problems: string[] = [];
  for (const name of Object.keys(supplied)) {
    if (!(name in declarations)) problems.push(`${method.name}: unknown parameter "${name}" (known: ${Object.keys(declarations).join(', ') || 'none'})`);
  }

  const params: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declarations)) {
    const value = name in supplied ? supplied[name] : spec.default;
    const problem = checkParamValue(spec, value);
    if (problem) problems.push(`${method.name}: parameter "${name}": ${problem}`);
    params[name] = value;
  }
  return problems.length ? { problems } : { params };
}

/**
 * Lists the parameter assignments of the method's search space: the cartesian product of the
 * `search` values of searched parameters. Other parameters keep their default and are left out.
 * Stops after `limit` assignments.
 */
export function searchAssignments(method: AnyCompressionMethod, limit: number): Record<string, unknown>[] {
  const searched = Object.entries(method.params as Record<string, ParamSpec>).filter(([, spec]) => spec.search && spec.search.length > 0);
  let assignments: Record<string, unknown>[] = [{}];
  for (const [name, spec] of searched) {
    const next: Record<string, unknown>[] = [];
    for (const partial of assignments) {
      for (const value of spec.search as readonly unknown[]) {
        if (next.length >= limit) break;
        next.push({ ...partial, [name]: value });
      }
    }
    assignments = next;
  }
  return assignments.slice(0, limit);
}
