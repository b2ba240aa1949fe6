/**
 * Selection of the MatMul weights a weight quantizer rewrites. A candidate is a MatMul whose
 * second input is a 2-D float32 initializer `[K, N]`, the `[in, out]` layout exporters write.
 * Embedding Gathers are never selected, because they are not MatMuls.
 */
import type { BooleanParam, EnumParam, WeightGroup, WeightSelection } from '../method.js';
import { WEIGHT_SELECTIONS } from '../method.js';
import { DataType, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';
import { consumersOf } from './graph-edit.js';

export interface WeightTargetParams {
  weights: WeightSelection;
  lmHead: boolean;
}

export const WEIGHTS_PARAM: EnumParam<WeightSelection> = {
  type: 'enum',
  choices: WEIGHT_SELECTIONS,
  default: 'all',
  description: 'Which MatMul weights to quantize: all, attention (q/k/v/o projections) or mlp (gate/up/down projections)',
};

export const LM_HEAD_PARAM: BooleanParam = {
  type: 'boolean',
  default: false,
  description: 'Also quantize the lm_head (output projection) MatMul weight',
};

/** Classifies a weight by its initializer name (Hugging Face and Optimum naming). */
export function weightGroupOf(name: string): WeightGroup {
  if (/(^|[./])(lm_head|classifier)([./]|$)/.test(name)) return 'lm_head';
  if (/self_attn|attention|\battn\b/.test(name)) return 'attention';
  if (/mlp|ffn|feed_forward/.test(name)) return 'mlp';
  return 'other';
}

export function weightGroupsFor(params: WeightTargetParams): WeightGroup[] {
  const groups: WeightGroup[] = params.weights === 'all' ? ['attention', 'mlp', 'other'] : [params.weights];
  if (params.lmHead) groups.push('lm_head');
  return groups;
}

export interface MatMulWeight {
  node: OnnxNode;
  nodeIndex: number;
  weight: OnnxTensor;
  /** Input features (rows of the `[K, N]` weight). */
  k: number;
  /** Output features. */
  n: number;
}

/**
 * MatMul nodes of the selected groups whose B input is a 2-D FLOAT initializer read by this node
 * only (a shared weight is skipped, because rewriting it would change the other readers).
 */
export function findMatMulWeights(graph: OnnxGraph, params: WeightTargetParams): MatMulWeight[] {
  const groups = weightGroupsFor(params);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const found: MatMulWeight[] = [];
  (graph.node ?? []).forEach((node, nodeIndex) => {
    if (node.opType !== 'MatMul' || (node.domain ?? '') !== '') return;
    const weightName = node.input?.[1] ?? '';
    const weight = initializers.get(weightName);
    if (!weight || weight.dataType !== DataType.FLOAT || weight.dims?.length !== 2) return;
    if (!groups.includes(weightGroupOf(weightName))) return;
    if (consumersOf(graph, weightName).length !== 1) return;
    found.push({ node, nodeIndex, weight, k: weight.dims[0]!, n: weight.dims[1]! });
  });
  return found;
}
