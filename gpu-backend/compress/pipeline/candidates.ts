/**
 * The recipes a compression run tries: one named preset, or for `auto` the presets, the
 * registry's enumeration of compatible combinations and an automatically chosen mixed-precision
 * recipe, without duplicates.
 */

import { findMethod } from '../registry.js';
import { enumerateRecipes, findNamedRecipe, NAMED_RECIPES, type Recipe } from '../recipe.js';

export interface Candidate {
  recipe: Recipe;
  /** File inside the model folder this candidate is written to when kept. */
  variantFile: string;
  dtype?: string;
}

/** Stable key of a recipe's steps, for de-duplication. */
export function recipeKey(recipe: Recipe): string {
  return JSON.stringify(recipe.steps.map((step) => [step.method, Object.entries(step.params ?? {}).sort(([a], [b]) => a.localeCompare(b))]));
}

/** `onnx/model_<slug>.onnx` for a recipe that has no transformers.js name. */
export function variantFileFor(recipeName: string): string {
  const slug = recipeName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80);
  return `onnx/model_${slug}.onnx`;
}

export function namedCandidate(name: string): Candidate {
  const named = findNamedRecipe(name);
  if (!named) {
    throw new Error(`unknown recipe "${name}"; use auto or one of: ${NAMED_RECIPES.map((recipe) => recipe.name).join(', ')}`);
  }
  return {
    recipe: { name: named.name, steps: named.steps },
    variantFile: named.variantFile,
    ...(named.dtype === undefined ? {} : { dtype: named.dtype }),
  };
}

export interface AutoCandidateOptions {
  maxRecipes: number;
  withoutCalibration: boolean;
  executionProvider: 'cpu' | 'cuda';
}

/** Presets first, then enumerated recipes, at most `maxRecipes` in all. */
export function autoCandidates(options: AutoCandidateOptions): Candidate[] {
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: Candidate): void => {
    const key = recipeKey(candidate.recipe);
    if (seen.has(key) || candidates.length >= options.maxRecipes) return;
    seen.add(key);
    candidates.push(candidate);
  };

  for (const named of NAMED_RECIPES) {
    const candidate = namedCandidate(named.name);
    if (options.withoutCalibration && candidate.recipe.steps.some((step) => findMethod(step.method)?.needsCalibration)) continue;
    add(candidate);
  }
  const enumerated = enumerateRecipes({
    maxRecipes: options.maxRecipes,
    withoutCalibration: options.withoutCalibration,
    executionProvider: options.executionProvider,
  });
  for (const recipe of enumerated) add({ recipe, variantFile: variantFileFor(recipe.name) });
  return candidates;
}
