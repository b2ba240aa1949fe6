import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../onnx/model-io.js';
import { DataType } from '../onnx/types.js';
import { subsetCalibration } from './calibration/calibration-set.js';
import { greedyGenerate } from '../model-import/ort-harness.js';
import { importStories260k, SHARED_DIR, testContext, type Stories260k } from './methods/test-fixtures.js';
import { checkRegistry, listMethods } from './registry.js';
import { applyRecipe, enumerateRecipes, findNamedRecipe, NAMED_RECIPES, RecipeError, validateRecipe, type Recipe } from './recipe.js';

function problemsOf(recipe: Recipe): string {
  try {
    validateRecipe(recipe);
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    return (error as RecipeError).message;
  }
  throw new Error(`recipe ${recipe.name} was accepted`);
}

describe('validateRecipe', () => {
  it('rejects an unknown method', () => {
    expect(problemsOf({ name: 'r', steps: [{ method: 'int3-magic' }] })).toMatch(/step 1: unknown method "int3-magic"/);
  });

  it('rejects an invalid parameter value', () => {
    expect(problemsOf({ name: 'r', steps: [{ method: 'int4-rtn', params: { blockSize: 48 } }] })).toMatch(/"blockSize": 48 is not a power of two/);
    expect(problemsOf({ name: 'r', steps: [{ method: 'int4-rtn', params: { blockSize: 256 } }] })).toMatch(/256 is outside \[16, 128\]/);
    expect(problemsOf({ name: 'r', steps: [{ method: 'int8-dynamic', params: { weightType: 'int16' } }] })).toMatch(/expected one of int8, uint8/);
  });

  it('rejects an unknown parameter name', () => {
    expect(problemsOf({ name: 'r', steps: [{ method: 'fp16', params: { keepIo: true } }] })).toMatch(/unknown parameter "keepIo"/);
  });

  it('rejects two quantizers on the same weights', () => {
    const message = problemsOf({ name: 'r', steps: [{ method: 'int4-rtn' }, { method: 'int8-dynamic' }] });
    expect(message).toMatch(/steps 1 \(int4-rtn\) and 2 \(int8-dynamic\) would both quantize the attention, mlp, other MatMul weights/);
  });

  it('rejects a declared incompatible pair', () => {
    expect(problemsOf({ name: 'r', steps: [{ method: 'int8-dynamic' }, { method: 'fp16' }] })).toMatch(/\(int8-dynamic\) and 2 \(fp16\) are incompatible/);
  });

  it('rejects steps in the wrong order', () => {
    expect(problemsOf({ name: 'r', steps: [{ method: 'fp16' }, { method: 'int4-rtn' }] })).toMatch(/step 2 \(int4-rtn, quantization\) must come before step 1 \(fp16, conversion\)/);
    expect(problemsOf({ name: 'r', steps: [{ method: 'int4-rtn' }, { method: 'prune-magnitude' }] })).toMatch(/must come before/);
  });

  it('rejects a method unsupported by the provider', () => {
    expect(() => validateRecipe({ name: 'r', steps: [{ method: 'int8-dynamic' }] }, { executionProvider: 'cuda' })).toThrow(
      /step 1 \(int8-dynamic\) does not support the cuda execution provider/,
    );
    expect(() => validateRecipe({ name: 'r', steps: [{ method: 'int4-rtn' }] }, { executionProvider: 'cuda' })).not.toThrow();
  });

  it('accepts quantizers on disjoint weights', () => {
    const recipe = validateRecipe({ name: 'split', steps: [{ method: 'int8-qdq', params: { weights: 'attention', lmHead: true } }, { method: 'int4-gptq', params: { weights: 'mlp' } }] });
    expect(recipe.steps.map((s) => s.method.name)).toEqual(['int8-qdq', 'int4-gptq']);
    expect(recipe.steps[1]!.params.blockSize).toBe(32);
  });

  it('rejects the same lm_head quantized twice', () => {
    const message = problemsOf({ name: 'r', steps: [{ method: 'int8-qdq', params: { weights: 'attention', lmHead: true } }, { method: 'int4-rtn', params: { weights: 'mlp', lmHead: true } }] });
    expect(message).toMatch(/both quantize the lm_head MatMul weights/);
  });

  it('accepts every named recipe and maps each to its own file', () => {
    for (const recipe of NAMED_RECIPES) expect(() => validateRecipe(recipe)).not.toThrow();
    expect(new Set(NAMED_RECIPES.map((r) => r.variantFile)).size).toBe(NAMED_RECIPES.length);
    expect(findNamedRecipe('q4')?.variantFile).toBe('onnx/model_q4.onnx');
    expect(findNamedRecipe('int8')?.variantFile).toBe('onnx/model_quantized.onnx');
  });
});

describe('registry', () => {
  it('has consistent exclusions', () => {
    expect(checkRegistry()).toEqual([]);
  });

  it('declares every parameter with a description and a valid default', () => {
    for (const method of listMethods()) {
      for (const [name, spec] of Object.entries(method.params)) {
        expect(spec.description.length, `${method.name}.${name}`).toBeGreaterThan(10);
        expect(() => validateRecipe({ name: 'defaults', steps: [{ method: method.name }] }), `${method.name}.${name}`).not.toThrow();
      }
    }
  });

  it('rejects distill with a not-implemented error', async () => {
    const distill = listMethods().find((m) => m.name === 'distill')!;
    await expect(distill.apply({}, {}, testContext())).rejects.toThrow(/distill is not implemented yet/);
  });
});

describe('enumerateRecipes', () => {
  it('yields only valid recipes and never distill', () => {
    const recipes = [...enumerateRecipes({ maxSteps: 2, maxRecipes: 500 })];
    expect(recipes.length).toBeGreaterThan(20);
    for (const recipe of recipes) {
      expect(() => validateRecipe(recipe)).not.toThrow();
      expect(recipe.steps.some((s) => s.method === 'distill')).toBe(false);
    }
    const names = recipes.map((r) => r.steps.map((s) => s.method).join('+'));
    expect(names).toContain('int4-rtn+fp16');
    expect(names).not.toContain('int8-dynamic+fp16');
    expect(names).not.toContain('int4-rtn+int8-dynamic');
  });

  it('stops at maxRecipes', () => {
    expect([...enumerateRecipes({ maxSteps: 3, maxRecipes: 7 })]).toHaveLength(7);
  });

  it('covers the search values of one method', () => {
    const recipes = [...enumerateRecipes({ methods: ['int4-rtn'], maxSteps: 1 })];
    // blockSize {32, 128} × symmetric {true, false}
    expect(recipes.map((r) => r.steps[0]!.params)).toEqual([
      { blockSize: 32, symmetric: true },
      { blockSize: 32, symmetric: false },
      { blockSize: 128, symmetric: true },
      { blockSize: 128, symmetric: false },
    ]);
  });

  it('leaves out calibration methods when asked', () => {
    const methods = new Set([...enumerateRecipes({ maxSteps: 1, withoutCalibration: true })].map((r) => r.steps[0]!.method));
    expect(methods.has('int4-gptq')).toBe(false);
    expect(methods.has('prune-structured')).toBe(false);
    expect(methods.has('int4-rtn')).toBe(true);
  });
});

describe('applyRecipe on stories260K', () => {
  let stories: Stories260k;
  beforeAll(async () => {
    stories = await importStories260k();
  });

  it('rejects a calibration method without calibration data before any step runs', async () => {
    await expect(applyRecipe(stories.model, findNamedRecipe('q4-gptq')!, testContext())).rejects.toThrow(/int4-gptq need\(s\) calibration data/);
  });

  it('q4 runs in onnxruntime and still tells the story', async () => {
    const { model, steps } = await applyRecipe(stories.model, findNamedRecipe('q4')!, testContext());
    const stats = steps[0]!.stats;
    expect(stats.matmulsQuantized).toBe(35); // 7 per layer × 5 layers; the tied lm_head stays float32
    // 4 bits plus one float32 scale per 32 weights: 5 bits per weight, 6.2x smaller than float32.
    expect(stats.matmulWeightBytesBefore! / stats.matmulWeightBytesAfter!).toBeGreaterThan(5);

    const session = await ort.InferenceSession.create(writeModel(model));
    const tokens = await greedyGenerate(session, stories.shape, stories.tokenizer.encode('Once upon a time').ids, 64);
    const text = stories.tokenizer.decode(tokens, { skip_special_tokens: true });
    const reference = readFileSync(join(SHARED_DIR, 'models/stories260K/greedy-once-upon-a-time-256.txt'), 'utf8');
    // The float model's first sentence survives 4-bit weights word for word.
    const firstSentence = reference.slice(0, reference.indexOf('.') + 1);
    expect(text.startsWith(firstSentence)).toBe(true);
    expect(tokens.length).toBeGreaterThan(40);
  });

  it('every named recipe runs and keeps the first sentence', async () => {
    const reference = readFileSync(join(SHARED_DIR, 'models/stories260K/greedy-once-upon-a-time-256.txt'), 'utf8');
    const firstSentence = reference.slice(0, reference.indexOf('.') + 1);
    const calibration = subsetCalibration(stories.calibration, 4);
    for (const recipe of NAMED_RECIPES) {
      const { model } = await applyRecipe(stories.model, recipe, testContext(undefined, calibration));
      const session = await ort.InferenceSession.create(writeModel(model));
      const tokens = await greedyGenerate(session, stories.shape, stories.tokenizer.encode('Once upon a time').ids, 24);
      expect(stories.tokenizer.decode(tokens, { skip_special_tokens: true }).startsWith(firstSentence), recipe.name).toBe(true);
    }
  });

  it('q4f16 stores float16 MatMulNBits scales', async () => {
    const { model } = await applyRecipe(stories.model, findNamedRecipe('q4f16')!, testContext());
    const initializers = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
    const matMulNBits = model.graph!.node!.filter((n) => n.opType === 'MatMulNBits');
    expect(matMulNBits).toHaveLength(35);
    for (const node of matMulNBits) expect(initializers.get(node.input![2]!)!.dataType).toBe(DataType.FLOAT16);
    expect(model.graph!.input!.find((i) => i.name === 'past_key_values.0.key')!.type!.tensorType!.elemType).toBe(DataType.FLOAT);
  });
});
