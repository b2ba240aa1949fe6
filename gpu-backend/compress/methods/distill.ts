/**
 * `distill`: knowledge distillation into a smaller student. Declared so recipes can name it and
 * its parameters are validated, but it has no implementation: `apply` rejects, and recipe search
 * leaves it out.
 */
import type { CompressionMethod, FloatParam, IntParam } from '../method.js';

export interface DistillParams {
  /** Student hidden size as a fraction of the teacher's. */
  widthRatio: number;
  /** Student layers as a fraction of the teacher's. */
  depthRatio: number;
  temperature: number;
  trainingSteps: number;
}

const WIDTH_PARAM: FloatParam = { type: 'float', min: 0.1, max: 1, default: 0.5, description: 'Student hidden size as a fraction of the teacher hidden size' };
const DEPTH_PARAM: FloatParam = { type: 'float', min: 0.1, max: 1, default: 0.5, description: 'Student layer count as a fraction of the teacher layer count' };
const TEMPERATURE_PARAM: FloatParam = { type: 'float', min: 0.5, max: 10, default: 2, description: 'Softmax temperature of the teacher and student logits in the distillation loss' };
const STEPS_PARAM: IntParam = { type: 'int', min: 1, max: 1_000_000, default: 2000, description: 'Optimizer steps of student training' };

export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
  }
}

export const distill: CompressionMethod<DistillParams> = {
  name: 'distill',
  kind: 'distillation',
  description: 'Knowledge distillation into a smaller student model (not implemented yet)',
  appliesTo: { opTypes: [], executionProviders: ['cpu', 'cuda'] },
  params: { widthRatio: WIDTH_PARAM, depthRatio: DEPTH_PARAM, temperature: TEMPERATURE_PARAM, trainingSteps: STEPS_PARAM },
  incompatibleWith: [],
  needsCalibration: true,
  searchable: false,
  async apply() {
    // TODO: train a student with a training backend; onnxruntime-node only runs inference.
    throw new NotImplementedError('distill is not implemented yet: it needs a training backend, which slimgate does not have; remove the distill step from the recipe');
  },
};
