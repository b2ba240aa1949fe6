/**
 * The registry of compression methods, and the one place where method compatibility is checked:
 * declared exclusions, stage order, weight quantizers on overlapping weights, and execution
 * providers.
 */
import { STAGE_OF_KIND, type AnyCompressionMethod, type ExecutionProvider, type WeightGroup } from './method.js';
import { distill } from './methods/distill.js';
import { fp16 } from './methods/fp16.js';
import { int4Gptq } from './methods/int4-gptq.js';
import { int4Rtn } from './methods/int4-rtn.js';
import { int8Dynamic } from './methods/int8-dynamic.js';
import { int8Qdq } from './methods/int8-qdq.js';
import { ortOptimize } from './methods/ort-optimize.js';
import { pruneMagnitude } from './methods/prune-magnitude.js';
import { pruneStructured } from './methods/prune-structured.js';

export const METHODS: readonly AnyCompressionMethod[] = [
  distill,
  pruneStructured,
  pruneMagnitude,
  int8Dynamic,
  int8Qdq,
  int4Rtn,
  int4Gptq,
  fp16,
  ortOptimize,
];

const BY_NAME = new Map(METHODS.map((method) => [method.name, method]));

export function listMethods(): readonly AnyCompressionMethod[] {
  return METHODS;
}

export function findMethod(name: string): AnyCompressionMethod | undefined {
  return BY_NAME.get(name);
}

/** Problems in the registry's own data (unknown or one-sided exclusions); empty when consistent. */
export function checkRegistry(methods: readonly AnyCompressionMethod[] = METHODS): string[] {
  const names = new Set(methods.map((m) => m.name));
  const problems: string[] = [];
  if (names.size !== methods.length) problems.push('two methods share a name');
  for (const method of methods) {
    for (const other of method.incompatibleWith) {
      const otherMethod = methods.find((m) => m.name === other);
      if (!otherMethod) problems.push(`${method.name} declares an exclusion of unknown method ${other}`);
      else if (!otherMethod.incompatibleWith.includes(method.name)) problems.push(`${method.name} excludes ${other}, but ${other} does not exclude ${method.name}`);
    }
  }
  return problems;
}

export interface ResolvedStep {
  method: AnyCompressionMethod;
  params: Record<string, unknown>;
}

/**
 * Checks that the steps may run together and in this order: no declared exclusion between two
 * steps, stages non-decreasing, a method repeated or two weight quantizers only on disjoint
 * weight selections, and every method supporting `executionProvider` when given.
 * Returns the problems found; empty means compatible.
 */
export function checkCompatibility(steps: readonly ResolvedStep[], executionProvider?: ExecutionProvider): string[] {
  const problems: string[] = [];
  steps.forEach((step, i) => {
    if (executionProvider && !step.method.appliesTo.executionProviders.includes(executionProvider)) {
      problems.push(`step ${i + 1} (${step.method.name}) does not support the ${executionProvider} execution provider`);
    }
    for (let j = 0; j < i; j++) {
      const earlier = steps[j]!;
      if (earlier.method.incompatibleWith.includes(step.method.name)) {
        problems.push(`steps ${j + 1} (${earlier.method.name}) and ${i + 1} (${step.method.name}) are incompatible`);
      }

      const earlierStage = STAGE_OF_KIND[earlier.method.kind];
      const stage = STAGE_OF_KIND[step.method.kind];
      if (earlierStage > stage) {
        problems.push(`step ${i + 1} (${step.method.name}, ${step.method.kind}) must come before step ${j + 1} (${earlier.method.name}, ${earlier.method.kind})`);
      }

      const groups = weightGroupsOf(step);
      const shared = groups && weightGroupsOf(earlier)?.filter((group) => groups.includes(group));
      if (shared && shared.length > 0) {
        problems.push(
          `steps ${j + 1} (${earlier.method.name}) and ${i + 1} (${step.method.name}) would both quantize the ${shared.join(', ')} MatMul weights; give them disjoint weight selections (attention, mlp) and at most one lmHead`,
        );
      } else if (!groups && earlier.method === step.method) {
        problems.push(`step ${i + 1} repeats ${step.method.name} (step ${j + 1})`);
      }
    }
  });
  return problems;
}

function weightGroupsOf(step: ResolvedStep): readonly WeightGroup[] | undefined {
  return step.method.weightGroups?.(step.params);
}
