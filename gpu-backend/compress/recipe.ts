/**
 * Recipes: ordered method steps with parameters. `validateRecipe` rejects unknown methods, invalid
 * parameters, incompatible pairs and wrong order before any work starts. `applyRecipe` runs the
 * steps, and `enumerateRecipes` walks the declared search space. `NAMED_RECIPES` are the presets,
 * each with the transformers.js variant file it is deployed as.
 */
import type { AnyCompressionMethod, MethodContext } from './method.js';
import { STAGE_OF_KIND } from './method.js';
import { resolveParams, searchAssignments } from './methods/params.js';
import { checkCompatibility, findMethod, listMethods, type ResolvedStep } from './registry.js';
import type { OnnxModel } from '../onnx/types.js';

export interface RecipeStep {
  method: string;
  params?: Record<string, unknown>;
}

export interface Recipe {
  name: string;
  steps: RecipeStep[];
}

/** Thrown for a recipe that cannot run; the message lists every problem found. */
export class RecipeError extends Error {
  constructor(
    readonly recipeName: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid recipe "${recipeName}": ${problems.join('; ')}`);
    this.name = 'RecipeError';
  }
}

export interface ValidatedRecipe {
  name: string;
  steps: ResolvedStep[];
}

export interface ValidateOptions {
  /** When given, every step must support this execution provider. */
  executionProvider?: MethodContext['executionProvider'];
}

/** Resolves and checks a recipe; throws {@link RecipeError} listing every problem. */
export function validateRecipe(recipe: Recipe, options: ValidateOptions = {}): ValidatedRecipe {
  const problems: string[] = [];
  if (typeof recipe.name !== 'string' || recipe.name.length === 0) problems.push('the recipe needs a non-empty name');
  if (!Array.isArray(recipe.steps) || recipe.steps.length === 0) throw new RecipeError(recipe.name, [...problems, 'the recipe has no steps']);

  const resolved: ResolvedStep[] = [];
  recipe.steps.forEach((step, i) => {
    const method = findMethod(step.method);
    if (!method) {
      problems.push(`step ${i + 1}: unknown method "${step.method}" (known: ${listMethods().map((m) => m.name).join(', ')})`);
      return;
    }
    const result = resolveParams(method, step.params ?? {});
    if ('problems' in result) problems.push(...result.problems.map((p) => `step ${i + 1}: ${p}`));
    else resolved.push({ method, params: result.params });
  });
  if (problems.length === 0) problems.push(...checkCompatibility(resolved, options.executionProvider));

  if (problems.length > 0) throw new RecipeError(recipe.name, problems);
  return { name: recipe.name, steps: resolved };
}

export interface AppliedStep {
  method: string;
  params: Record<string, unknown>;
  notes: string[];
  stats: Record<string, number>;
}

export interface RecipeResult {
  model: OnnxModel;
  steps: AppliedStep[];
}

/**
 * Validates, then applies the steps in order. A step that needs calibration data and finds none
 * in `context` is a {@link RecipeError} raised before the first step runs.
 */
export async function applyRecipe(model: OnnxModel, recipe: Recipe, context: MethodContext): Promise<RecipeResult> {
  const validated = validateRecipe(recipe, { executionProvider: context.executionProvider });
  const uncalibrated = validated.steps.filter((s) => s.method.needsCalibration && !context.calibration).map((s) => s.method.name);
  if (uncalibrated.length > 0) throw new RecipeError(recipe.name, [`${uncalibrated.join(', ')} need(s) calibration data, but the context has none`]);

  const log = context.logger.child({ recipe: recipe.name });
  const steps: AppliedStep[] = [];
  let current = model;
  for (const [index, step] of validated.steps.entries()) {
    log.info({ step: index + 1, method: step.method.name, params: step.params }, 'compression step started');
    const result = await step.method.apply(current, step.params, { ...context, logger: log.child({ method: step.method.name }) });
    log.info({ step: index + 1, method: step.method.name, stats: result.stats }, 'compression step finished');
    steps.push({ method: step.method.name, params: step.params, notes: result.notes, stats: result.stats });
    current = result.model;
  }
  return { model: current, steps };
}

export interface EnumerateOptions {
  /** Methods the search may use; default every searchable method. */
  methods?: readonly string[];
  /** Maximum steps per recipe; default 2. */
  maxSteps?: number;
  /** Stop after this many recipes; default 256. */
  maxRecipes?: number;
  executionProvider?: MethodContext['executionProvider'];
  /** Leave out methods that need calibration data (when none is available). */
  withoutCalibration?: boolean;
}

/**
 * Yields every compatible recipe over the declared search space. A recipe is an ordered
 * combination of up to `maxSteps` distinct searchable methods (in stage order) with one choice of
 * search values for their parameters. Combinations that {@link validateRecipe} rejects are
 * skipped, at most `maxRecipes` are yielded, and methods marked not searchable (distill) never appear.
 */
export function* enumerateRecipes(options: EnumerateOptions = {}): Generator<Recipe> {
  const maxSteps = options.maxSteps ?? 2;
  const maxRecipes = options.maxRecipes ?? 256;
  const candidates = listMethods()
    .filter((m) => m.searchable)
    .filter((m) => !options.methods || options.methods.includes(m.name))
    .filter((m) => !(options.withoutCalibration && m.needsCalibration))
    .filter((m) => !options.executionProvider || m.appliesTo.executionProviders.includes(options.executionProvider))
    .sort((a, b) => STAGE_OF_KIND[a.kind] - STAGE_OF_KIND[b.kind]);

  let yielded = 0;
  for (const combination of orderedSubsets(candidates, maxSteps)) {
    for (const steps of stepAssignments(combination, maxRecipes)) {
      const recipe: Recipe = { name: steps.map(describeStep).join('+'), steps };
      try {
        validateRecipe(recipe, options.executionProvider ? { executionProvider: options.executionProvider } : {});
      } catch (error) {
        if (error instanceof RecipeError) continue;
        throw error;
      }
      yield recipe;
      yielded += 1;
      if (yielded >= maxRecipes) return;
    }
  }
}

/** Non-empty subsets of `items` of at most `maxSize`, each keeping the input order. */
function* orderedSubsets<T>(items: readonly T[], maxSize: number): Generator<T[]> {
  for (let size = 1; size <= Math.min(maxSize, items.length); size++) {
    const indices = Array.from({ length: size }, (_, i) => i);
    for (;;) {
      yield indices.map((i) => items[i]!);
      let position = size - 1;
      while (position >= 0 && indices[position] === items.length - size + position) position--;
      if (position < 0) break;
      indices[position]! += 1;
      for (let k = position + 1; k < size; k++) indices[k] = indices[k - 1]! + 1;
    }
  }
}

function* stepAssignments(methods: readonly AnyCompressionMethod[], limit: number): Generator<RecipeStep[]> {
  const perMethod = methods.map((m) => searchAssignments(m, limit));
  const counters = perMethod.map(() => 0);
  for (let produced = 0; produced < limit; produced++) {
    yield methods.map((m, i) => {
      const params = perMethod[i]![counters[i]!]!;
      return Object.keys(params).length > 0 ? { method: m.name, params } : { method: m.name };
    });
    let position = counters.length - 1;
    while (position >= 0 && counters[position] === perMethod[position]!.length - 1) {
      counters[position] = 0;
      position--;
    }
    if (position < 0) return;
    counters[position]! += 1;
  }
}

function describeStep(step: RecipeStep): string {
  const params = Object.entries(step.params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  return params.length ? `${step.method}(${params.join(',')})` : step.method;
}

/** A preset recipe with the transformers.js file it is deployed as. */
export interface NamedRecipe extends Recipe {
  /**
   * Path inside the model folder, following transformers.js's `dtype` → file convention
   * (`onnx/model_<suffix>.onnx`). `dtype` is the transformers.js name, absent for presets that
   * transformers.js has no name for.
   */
  variantFile: string;
  dtype?: string;
  description: string;
}

export const NAMED_RECIPES: readonly NamedRecipe[] = [
  {
    name: 'int8',
    dtype: 'q8',
    variantFile: 'onnx/model_quantized.onnx',
    description: 'int8 dynamic quantization of the MatMul weights (MatMulInteger, uint8 per-column weights)',
    steps: [{ method: 'int8-dynamic', params: { weightType: 'uint8' } }],
  },
  {
    name: 'int8-signed',
    dtype: 'int8',
    variantFile: 'onnx/model_int8.onnx',
    description: 'int8 dynamic quantization with signed int8 per-column weights',
    steps: [{ method: 'int8-dynamic', params: { weightType: 'int8' } }],
  },
  {
    name: 'int8-qdq',
    variantFile: 'onnx/model_int8_qdq.onnx',
    description: 'int8 per-channel weights behind DequantizeLinear (QDQ); activations stay float32',
    steps: [{ method: 'int8-qdq' }],
  },
  {
    name: 'q4',
    dtype: 'q4',
    variantFile: 'onnx/model_q4.onnx',
    description: '4-bit block quantization (MatMulNBits, block 32, round to nearest)',
    steps: [{ method: 'int4-rtn', params: { blockSize: 32 } }],
  },
  {
    name: 'q4-gptq',
    variantFile: 'onnx/model_q4_gptq.onnx',
    description: '4-bit block quantization (MatMulNBits, block 32) with GPTQ error compensation on calibration data',
    steps: [{ method: 'int4-gptq', params: { blockSize: 32 } }],
  },
  {
    name: 'fp16',
    dtype: 'fp16',
    variantFile: 'onnx/model_fp16.onnx',
    description: 'float16 weights and compute; float32 inputs, outputs and normalization',
    steps: [{ method: 'fp16' }],
  },
  {
    name: 'q4f16',
    dtype: 'q4f16',
    variantFile: 'onnx/model_q4f16.onnx',
    description: '4-bit MatMulNBits weights with float16 scales and float16 compute elsewhere',
    steps: [{ method: 'int4-rtn', params: { blockSize: 32 } }, { method: 'fp16' }],
  },
  {
    name: 'mixed',
    variantFile: 'onnx/model_mixed.onnx',
    description: 'int8 QDQ attention projections and lm_head, 4-bit MatMulNBits feed-forward weights',
    steps: [
      { method: 'int8-qdq', params: { weights: 'attention', lmHead: true } },
      { method: 'int4-rtn', params: { weights: 'mlp', blockSize: 32 } },
    ],
  },
];

export function findNamedRecipe(name: string): NamedRecipe | undefined {
  return NAMED_RECIPES.find((recipe) => recipe.name === name);
}
