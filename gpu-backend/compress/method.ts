/**
 * The contract every compression method implements: declared parameters (from which both the
 * validated configuration and the recipe search space come), declared compatibility, and an
 * `apply` that turns one ONNX model into another.
 */
import type { Logger } from '../../src/log/logger.js';
import type { OnnxModel } from '../onnx/types.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import type { CalibrationSet } from './calibration/calibration-set.js';

export type { ExecutionProvider };

export type MethodKind = 'quantization' | 'pruning' | 'conversion' | 'compilation' | 'distillation';

/**
 * Position of a kind in a recipe. Steps must come in non-decreasing stage order: pruning needs
 * float weights, and fp16 conversion must see the quantized graph to turn its scales into float16
 * (the q4f16 layout). Compilation must see the final graph.
 */
export const STAGE_OF_KIND: Record<MethodKind, number> = {
  distillation: 0,
  pruning: 1,
  quantization: 2,
  conversion: 3,
  compilation: 4,
};

interface ParamBase<T> {
  description: string;
  default: T;
  /** Values the recipe search tries; absent means the parameter is not searched and keeps its default. */
  search?: readonly T[];
}

export interface IntParam extends ParamBase<number> {
  type: 'int';
  min: number;
  max: number;
  /** Only powers of two are valid (block sizes). */
  powerOfTwo?: boolean;
}

export interface FloatParam extends ParamBase<number> {
  type: 'float';
  min: number;
  max: number;
}

export interface BooleanParam extends ParamBase<boolean> {
  type: 'boolean';
}

export interface EnumParam<S extends string = string> extends ParamBase<S> {
  type: 'enum';
  choices: readonly S[];
}

export interface StringListParam extends ParamBase<readonly string[]> {
  type: 'string-list';
}

export type ParamSpec = IntParam | FloatParam | BooleanParam | EnumParam | StringListParam;

/** The declaration matching one parameter's value type. */
export type ParamSpecFor<T> = [T] extends [boolean]
  ? BooleanParam
  : [T] extends [number]
    ? IntParam | FloatParam
    : [T] extends [string]
      ? EnumParam<T>
      : [T] extends [readonly string[]]
        ? StringListParam
        : never;

/** One declaration per parameter of `P`. */
export type ParamDeclarations<P> = { [K in keyof P]-?: ParamSpecFor<P[K]> };

/**
 * Selection of the MatMul weights a weight quantizer rewrites. `all` is every MatMul weight but the
 * lm_head, `attention` the q/k/v/o projections, `mlp` the gate/up/down projections. The lm_head is
 * chosen separately because it is the most sensitive weight in small models.
 */
export const WEIGHT_SELECTIONS = ['all', 'attention', 'mlp'] as const;
export type WeightSelection = (typeof WEIGHT_SELECTIONS)[number];

/** Groups of MatMul weights; two weight quantizers may share a recipe only on disjoint groups. */
export type WeightGroup = 'attention' | 'mlp' | 'other' | 'lm_head';

export interface MethodContext {
  /** Required by methods with `needsCalibration`; see {@link CompressionMethod.needsCalibration}. */
  calibration?: CalibrationSet;
  logger: Logger;
  /** The provider the compressed model is meant for (ort-optimize saves a graph for it). */
  executionProvider: ExecutionProvider;
  /** A writable scratch folder owned by the caller; methods write only below it. */
  workDir: string;
}

export interface MethodResult {
  model: OnnxModel;
  /** Human-readable facts about the result (what was skipped, what the method does not shrink). */
  notes: string[];
  /** Numeric facts, e.g. `weightsQuantized`, `bitsPerWeight`, `sparsity`, `parametersBefore`. */
  stats: Record<string, number>;
}

export interface CompressionMethod<P extends object = Record<string, unknown>> {
  /** Registry key, e.g. `int4-rtn`. */
  name: string;
  kind: MethodKind;
  description: string;
  appliesTo: { opTypes: readonly string[]; executionProviders: readonly ExecutionProvider[] };
  params: ParamDeclarations<P>;
  /**
   * Methods this one may not share a recipe with. Every other pair combines; the registry checks
   * that the relation is declared on both sides.
   */
  incompatibleWith: readonly string[];
  /**
   * Set for methods that rewrite MatMul weights: the weight groups they rewrite with these
   * parameters, so the registry can reject two quantizers on the same weights.
   */
  weightGroups?: (params: P) => readonly WeightGroup[];
  needsCalibration: boolean;
  /** False for methods that exist in the recipe format but are left out of recipe search. */
  searchable: boolean;
  /** Applies the method to `model` (which it may not mutate) with validated parameters. */
  apply(model: OnnxModel, params: P, context: MethodContext): Promise<MethodResult>;
}

/** A method with its parameter type erased, as stored in the registry. */
export type AnyCompressionMethod = Omit<CompressionMethod, 'params' | 'apply' | 'weightGroups'> & {
  params: Readonly<Record<string, ParamSpec>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parameters were validated against `params`.
  weightGroups?: (params: any) => readonly WeightGroup[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parameters were validated against `params`.
  apply(model: OnnxModel, params: any, context: MethodContext): Promise<MethodResult>;
};
