/**
 * Selection of the MatMul weights a weight quantizer rewrites. A candidate is a MatMul whose
 * second input is a 2-D float32 initializer `[K, N]`, the `[in, out]` layout exporters write.
 * Embedding Gathers are never selected, because they are not MatMuls.
 */
import type { BooleanParam, EnumParam, MethodResult, WeightGroup, WeightSelection } from '../method.js';
import { WEIGHT_SELECTIONS } from '../method.js';
import { DataType, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';
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

export interface WeightQuantizationSummary {
  model: OnnxModel;
  targets: readonly MatMulWeight[];
  /** Stored bytes of the quantized weights, scales and zero points included. */
  bytesAfter: number;
  /** Notes on what this method changes, besides the embedding and lm_head notes added here. */
  notes: string[];
  lmHead: boolean;
}

/** Builds the result every weight quantizer returns: the shared notes and the size statistics. */
export function weightQuantizationResult(summary: WeightQuantizationSummary): MethodResult {
  const weights = summary.targets.reduce((sum, target) => sum + target.k * target.n, 0);
  const notes = ['the token-embedding Gather keeps float32 weights', ...summary.notes];
  if (!summary.lmHead) notes.push('lm_head keeps float32 weights (set lmHead to quantize it)');

  return {
    model: summary.model,
    notes,
    stats: {
      matmulsQuantized: summary.targets.length,
      weightsQuantized: weights,
      matmulWeightBytesBefore: weights * 4,
      matmulWeightBytesAfter: summary.bytesAfter,
      bitsPerWeight: weights > 0 ? (summary.bytesAfter * 8) / weights : 0,
    },
  };
}

/** Replaces each node listed in `replacements` (by index) with its new nodes and drops `removed` initializers. */
export function applyNodeReplacements(graph: OnnxGraph, replacements: ReadonlyMap<number, OnnxNode[]>, removed: ReadonlySet<string>): void {
  graph.node = (graph.node ?? []).flatMap((node, index) => replacements.get(index) ?? [node]);
  graph.initializer = (graph.initializer ?? []).filter((tensor) => !removed.has(tensor.name ?? ''));
}
