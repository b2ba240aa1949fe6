/**
 * `ort-optimize`: ONNX Runtime's offline graph optimization. A session created with
 * `optimizedModelFilePath` makes onnxruntime write the graph after its optimizations: constant
 * folding, node fusions, and at level `all` layout changes specific to the execution provider
 * and machine. The written file is read back as the result.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../../onnx/model-io.js';
import type { CompressionMethod, EnumParam } from '../method.js';

export type GraphOptimizationLevel = 'basic' | 'extended' | 'all';

export interface OrtOptimizeParams {
  level: GraphOptimizationLevel;
}

const LEVEL_PARAM: EnumParam<GraphOptimizationLevel> = {
  type: 'enum',
  choices: ['basic', 'extended', 'all'],
  default: 'extended',
  search: ['basic', 'extended', 'all'],
  description: 'onnxruntime graphOptimizationLevel: basic (provider-independent rewrites), extended (fusions), all (adds layout optimizations tied to the provider and CPU)',
};

export const ortOptimize: CompressionMethod<OrtOptimizeParams> = {
  name: 'ort-optimize',
  kind: 'compilation',
  description: 'ONNX Runtime offline graph optimization for one execution provider, saved and read back',
  appliesTo: { opTypes: [], executionProviders: ['cpu', 'cuda'] },
  params: { level: LEVEL_PARAM },
  incompatibleWith: [],
  needsCalibration: false,
  searchable: true,
  async apply(model, params, context) {
    const dir = join(context.workDir, 'ort-optimize');
    mkdirSync(dir, { recursive: true });
    const inputPath = join(dir, 'input.onnx');
    const outputPath = join(dir, `optimized-${context.executionProvider}-${params.level}.onnx`);
    saveModel(model, inputPath, { externalData: 'auto' });

    const session = await ort.InferenceSession.create(inputPath, {
      executionProviders: [context.executionProvider],
      graphOptimizationLevel: params.level,
      optimizedModelFilePath: outputPath,
    });
    await session.release();
    const optimized = loadModel(outputPath);

    const nodesBefore = model.graph?.node?.length ?? 0;
    const nodesAfter = optimized.graph?.node?.length ?? 0;
    context.logger.info({ outputPath, nodesBefore, nodesAfter }, 'onnxruntime wrote the optimized graph');
    const notes = [`optimized for the ${context.executionProvider} execution provider; load it with the same provider`];
    if (params.level === 'all') notes.push('level "all" may insert layout-specific operators, so the file can depend on the CPU it was optimized on');
    return { model: optimized, notes, stats: { nodesBefore, nodesAfter } };
  },
};
