/** The recipes the compression benchmark measures, next to the presets and mixed-auto. */

import type { Candidate } from '../../gpu-backend/compress/pipeline/candidates.js';
import { namedCandidate } from '../../gpu-backend/compress/pipeline/candidates.js';

/** Presets plus 4-bit recipes that also quantize the lm_head, so every MatMul weight is 4-bit. */
export function qualityCandidates(): Candidate[] {
  return [
    namedCandidate('int8'),
    namedCandidate('int8-qdq'),
    namedCandidate('fp16'),
    namedCandidate('q4'),
    namedCandidate('q4-gptq'),
    namedCandidate('mixed'),
    {
      recipe: { name: 'q4-all', steps: [{ method: 'int4-rtn', params: { blockSize: 32, lmHead: true } }] },
      variantFile: 'onnx/model_q4_all.onnx',
    },
    {
      recipe: { name: 'q4-gptq-all', steps: [{ method: 'int4-gptq', params: { blockSize: 32, lmHead: true } }] },
      variantFile: 'onnx/model_q4_gptq_all.onnx',
    },
  ];
}

/** Recipes for the speed-only model: weight formats that change speed, without calibration. */
export function speedCandidates(): Candidate[] {
  return [
    namedCandidate('int8'),
    namedCandidate('q4'),
    {
      recipe: { name: 'q4-all', steps: [{ method: 'int4-rtn', params: { blockSize: 32, lmHead: true } }] },
      variantFile: 'onnx/model_q4_all.onnx',
    },
    {
      recipe: { name: 'q4-all-b128', steps: [{ method: 'int4-rtn', params: { blockSize: 128, lmHead: true } }] },
      variantFile: 'onnx/model_q4_all_b128.onnx',
    },
    {
      // accuracy_level 4 lets MatMulNBits quantize activations to int8 and use integer kernels.
      recipe: { name: 'q4-all-int8-compute', steps: [{ method: 'int4-rtn', params: { blockSize: 32, lmHead: true, accuracyLevel: 4 } }] },
      variantFile: 'onnx/model_q4_all_int8_compute.onnx',
    },
  ];
}
