/**
 * Automatic mixed precision: chooses a weight format for each MatMul weight group (attention
 * projections, feed-forward projections, lm_head). Every assignment within a budget of stored
 * bits per MatMul weight is measured on calibration stories, and the lowest mean NLL wins.
 *
 * The methods select weights by group (`weights`: all, attention or mlp, plus `lmHead`), so the
 * lm_head shares the format of one of the other two groups. Assignments that would need an
 * lm_head-only step are skipped.
 *
 * TODO: per-layer formats need a method parameter that names individual weights; with it, the
 * same search could rank single MatMuls by measured sensitivity.
 */

import * as ort from 'onnxruntime-node';

import { writeModel } from '../../onnx/model-io.js';
import type { OnnxModel } from '../../onnx/types.js';
import { DecoderRunner, type DecoderShape } from '../evaluate/decoder-runner.js';
import { matmulWeightSize } from '../evaluate/model-size.js';
import { evaluateQuality } from '../evaluate/quality.js';
import type { MethodContext } from '../method.js';
import { applyRecipe, type Recipe, type RecipeStep } from '../recipe.js';

/** Weight formats the search assigns, each one method step. */
export const WEIGHT_FORMATS = {
  int8: { method: 'int8-qdq', params: {} },
  q4b32: { method: 'int4-rtn', params: { blockSize: 32 } },
  q4b64: { method: 'int4-rtn', params: { blockSize: 64 } },
  q4b128: { method: 'int4-rtn', params: { blockSize: 128 } },
  gptq4b32: { method: 'int4-gptq', params: { blockSize: 32 } },
  gptq4b64: { method: 'int4-gptq', params: { blockSize: 64 } },
} as const satisfies Record<string, { method: string; params: Record<string, unknown> }>;

export type WeightFormat = keyof typeof WEIGHT_FORMATS;

/** Formats tried by default: the round-to-nearest ones, which need no calibration data and apply in milliseconds. */
export const DEFAULT_FORMATS: readonly WeightFormat[] = ['int8', 'q4b32', 'q4b64', 'q4b128'];

export interface FormatAssignment {
  attention: WeightFormat;
  mlp: WeightFormat;
  lmHead: WeightFormat;
}

export interface MixedPrecisionTrial {
  assignment: FormatAssignment;
  bitsPerWeight: number;
  /** Mean NLL on the calibration sequences; null when over the bit budget (not evaluated). */
  calibrationNll: number | null;
}

export interface MixedPrecisionResult {
  recipe: Recipe;
  chosen: MixedPrecisionTrial;
  trials: MixedPrecisionTrial[];
}

export interface MixedPrecisionOptions {
  model: OnnxModel;
  shape: DecoderShape;
  /** Calibration token sequences (stories 1–200), BOS first. */
  calibration: readonly (readonly number[])[];
  /** Maximum stored bits per MatMul weight, lm_head included. */
  maxBitsPerWeight: number;
  context: MethodContext;
  intraOpNumThreads?: number;
  recipeName?: string;
  /** Formats to assign; default {@link DEFAULT_FORMATS}. GPTQ formats need `context.calibration`. */
  formats?: readonly WeightFormat[];
}

/** Returns the recipe steps for an assignment, or null when the lm_head's format is used by neither other group. */
export function assignmentSteps(assignment: FormatAssignment): RecipeStep[] | null {
  if (assignment.lmHead !== assignment.attention && assignment.lmHead !== assignment.mlp) return null;

  const steps: RecipeStep[] = [];
  let lmHeadPlaced = false;
  for (const format of new Set<WeightFormat>([assignment.attention, assignment.mlp])) {
    const both = assignment.attention === format && assignment.mlp === format;
    let weights = 'mlp';
    if (both) weights = 'all';
    else if (assignment.attention === format) weights = 'attention';
    const lmHead: boolean = !lmHeadPlaced && assignment.lmHead === format;
    lmHeadPlaced ||= lmHead;
    const { method, params } = WEIGHT_FORMATS[format];
    steps.push({ method, params: { ...params, weights, lmHead } });
  }
  return steps;
}

/** Lists every representable assignment of `formats` to the three groups. */
export function allAssignments(formats: readonly WeightFormat[] = DEFAULT_FORMATS): FormatAssignment[] {
  const assignments: FormatAssignment[] = [];
  for (const attention of formats) {
    for (const mlp of formats) {
      for (const lmHead of new Set([attention, mlp])) assignments.push({ attention, mlp, lmHead });
    }
  }
  return assignments;
}

export async function chooseMixedPrecision(options: MixedPrecisionOptions): Promise<MixedPrecisionResult> {
  const sessionOptions: ort.InferenceSession.SessionOptions =
    options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads };
  const base = new DecoderRunner(await ort.InferenceSession.create(writeModel(options.model), sessionOptions), options.shape);

  const trials: MixedPrecisionTrial[] = [];
  let best: { trial: MixedPrecisionTrial; steps: RecipeStep[] } | null = null;
  try {
    for (const assignment of allAssignments(options.formats)) {
      const steps = assignmentSteps(assignment)!;
      const { model } = await applyRecipe(options.model, { name: 'mixed-trial', steps }, options.context);
      const bitsPerWeight = matmulWeightSize(model).bitsPerWeight;
      if (bitsPerWeight > options.maxBitsPerWeight) {
        trials.push({ assignment, bitsPerWeight, calibrationNll: null });
        continue;
      }

      const session = await ort.InferenceSession.create(writeModel(model), sessionOptions);
      try {
        const [quality] = await evaluateQuality({ reference: base, variants: [new DecoderRunner(session, options.shape)], stories: options.calibration });
        const trial = { assignment, bitsPerWeight, calibrationNll: quality!.meanNll };
        trials.push(trial);
        if (!best || trial.calibrationNll < best.trial.calibrationNll!) best = { trial, steps };
      } finally {
        await session.release();
      }
    }
  } finally {
    await base.session.release();
  }

  if (!best) {
    const smallest = Math.min(...trials.map((trial) => trial.bitsPerWeight));
    throw new Error(`no mixed-precision assignment fits ${options.maxBitsPerWeight} bits per MatMul weight; the smallest uses ${smallest.toFixed(2)}`);
  }
  options.context.logger.info({ assignment: best.trial.assignment, bitsPerWeight: best.trial.bitsPerWeight, calibrationNll: best.trial.calibrationNll }, 'mixed precision chosen');
  return { recipe: { name: options.recipeName ?? 'mixed-auto', steps: best.steps }, chosen: best.trial, trials };
}
