/**
 * `int4-gptq`: 4-bit MatMulNBits weights like `int4-rtn`, with codes chosen by GPTQ from the
 * Gram matrix of each MatMul's input over the calibration set.
 */
import type { BooleanParam, CompressionMethod, FloatParam, IntParam } from '../method.js';
import { collectActivations } from '../calibration/collect-activations.js';
import { subsetCalibration } from '../calibration/calibration-set.js';
import { quantizeGptq } from './gptq.js';
import { applyInt4, INT4_PARAMS, type Int4Params } from './int4-rtn.js';
import { findMatMulWeights, weightGroupsFor } from './matmul-weights.js';

export interface Int4GptqParams extends Int4Params {
  dampPercent: number;
  actOrder: boolean;
  calibrationSequences: number;
}

const DAMP_PARAM: FloatParam = {
  type: 'float',
  min: 0.0001,
  max: 1,
  default: 0.01,
  description: 'Damping added to the Hessian diagonal, as a fraction of its mean diagonal value',
};

const ACT_ORDER_PARAM: BooleanParam = {
  type: 'boolean',
  default: false,
  search: [false, true],
  description: 'Quantize input rows in order of decreasing activation energy (block parameters then come from the unmodified weight)',
};

const SEQUENCES_PARAM: IntParam = {
  type: 'int',
  min: 1,
  max: 100_000,
  default: 128,
  description: 'Calibration sequences used for the Hessians (the first ones of the calibration set)',
};

export const int4Gptq: CompressionMethod<Int4GptqParams> = {
  name: 'int4-gptq',
  kind: 'quantization',
  description: '4-bit block-wise weight-only quantization with GPTQ error compensation from calibration activations (com.microsoft MatMulNBits)',
  appliesTo: { opTypes: ['MatMul'], executionProviders: ['cpu', 'cuda'] },
  params: {
    ...INT4_PARAMS,
    dampPercent: DAMP_PARAM,
    actOrder: ACT_ORDER_PARAM,
    calibrationSequences: SEQUENCES_PARAM,
  },
  incompatibleWith: [],
  weightGroups: weightGroupsFor,
  needsCalibration: true,
  searchable: true,
  async apply(model, params, context) {
    if (!context.calibration) throw new Error('int4-gptq needs calibration data in the method context');
    const targets = findMatMulWeights(model.graph ?? {}, params);
    const inputOf = new Map(targets.map((t) => [t.weight.name ?? '', { tensorName: t.node.input![0]!, features: t.k }]));
    const requests = [...new Map([...inputOf.values()].map((r) => [r.tensorName, { ...r, statistic: 'gram' as const }])).values()];

    // NOTE: every Hessian comes from the float model's activations. Sequential GPTQ would
    // recompute each layer's inputs after quantizing the layers before it.
    const calibration = subsetCalibration(context.calibration, params.calibrationSequences);
    const stats = await collectActivations(model, requests, calibration, { logger: context.logger });

    const result = applyInt4(model, params, (weight, k, n, weightName) => {
      const input = inputOf.get(weightName);
      const gram = input && stats.get(input.tensorName)?.gram;
      if (!gram) throw new Error(`no calibration statistics for the input of ${weightName}`);
      return quantizeGptq(weight, k, n, gram, params);
    });
    result.notes.push(`Hessians from ${calibration.sequences.length} calibration sequences (${calibration.source}) of the unquantized model`);
    result.stats.calibrationSequences = calibration.sequences.length;
    result.stats.calibrationTokens = calibration.sequences.reduce((sum, s) => sum + s.length, 0);
    return result;
  },
};
