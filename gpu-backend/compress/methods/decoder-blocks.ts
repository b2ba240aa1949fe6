/**
 * Locates the feed-forward and attention blocks of a Llama-style decoder graph for structured
 * pruning. MatMuls are found by their Hugging Face weight names (`model.layers.{i}.mlp.gate_proj.weight`,
 * `...self_attn.q_proj.weight`, ...). The Reshape nodes and KV-cache inputs and outputs of an
 * attention block are found by following the data flow from its q/k/v projections to o_proj.
 */
import { tensorToBigInt64 } from '../../onnx/tensor.js';
import { DataType, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';

export interface ProjectionRef {
  node: OnnxNode;
  weight: OnnxTensor;
  /** `[in, out]`. */
  dims: [number, number];
}

export interface MlpBlock {
  layer: number;
  gate: ProjectionRef;
  up: ProjectionRef;
  down: ProjectionRef;
}

export interface AttentionBlock {
  layer: number;
  q: ProjectionRef;
  k: ProjectionRef;
  v: ProjectionRef;
  o: ProjectionRef;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Reshape nodes between the projections and o_proj whose shape constants count heads. */
  reshapes: OnnxNode[];
  /** Graph inputs (past) and outputs (present) of this block's KV cache. */
  cacheInputs: string[];
  cacheOutputs: string[];
}

function projection(graph: OnnxGraph, initializers: Map<string, OnnxTensor>, name: string): ProjectionRef | undefined {
  const weight = initializers.get(name);
  if (!weight || weight.dataType !== DataType.FLOAT || weight.dims?.length !== 2) return undefined;
  const node = (graph.node ?? []).find((n) => n.opType === 'MatMul' && n.input?.[1] === name);
  return node ? { node, weight, dims: [weight.dims[0]!, weight.dims[1]!] } : undefined;
}

/** Layer indices that have float MatMul weights named `model.layers.{i}.` */
function layerIndices(initializers: Map<string, OnnxTensor>): number[] {
  const layers = new Set<number>();
  for (const name of initializers.keys()) {
    const match = /^model\.layers\.(\d+)\./.exec(name);
    if (match) layers.add(Number(match[1]));
  }
  return [...layers].sort((a, b) => a - b);
}

export function findMlpBlocks(graph: OnnxGraph): MlpBlock[] {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  return layerIndices(initializers).flatMap((layer) => {
    const prefix = `model.layers.${layer}.mlp`;
    const gate = projection(graph, initializers, `${prefix}.gate_proj.weight`);
    const up = projection(graph, initializers, `${prefix}.up_proj.weight`);
    const down = projection(graph, initializers, `${prefix}.down_proj.weight`);
    return gate && up && down ? [{ layer, gate, up, down }] : [];
  });
}

/** Values of a 1-D int64 initializer, or undefined when `name` is not one. */
export function int64Constant(initializers: Map<string, OnnxTensor>, name: string): bigint[] | undefined {
  const tensor = initializers.get(name);
  return tensor && tensor.dataType === DataType.INT64 && tensor.dims?.length === 1 ? [...tensorToBigInt64(tensor)] : undefined;
}

export function findAttentionBlocks(graph: OnnxGraph): AttentionBlock[] {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.node ?? []) for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));

  return layerIndices(initializers).flatMap((layer) => {
    const prefix = `model.layers.${layer}.self_attn`;
    const [q, k, v, o] = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].map((p) => projection(graph, initializers, `${prefix}.${p}.weight`));
    if (!q || !k || !v || !o) return [];

    // Every node downstream of q/k/v up to o_proj belongs to this attention block.
    const reshapes: OnnxNode[] = [];
    const cacheInputs = new Set<string>();
    const cacheOutputs = new Set<string>();
    const seen = new Set<OnnxNode>();
    const queue = [q.node, k.node, v.node];
    while (queue.length > 0) {
      const node = queue.shift()!;
      if (seen.has(node) || node === o.node) continue;
      seen.add(node);
      if (node.opType === 'Reshape') reshapes.push(node);
      for (const input of node.input ?? []) if (graphInputs.has(input)) cacheInputs.add(input);
      for (const output of node.output ?? []) {
        if (graphOutputs.has(output)) cacheOutputs.add(output);
        queue.push(...(consumers.get(output) ?? []));
      }
    }

    const qShape = reshapes.find((r) => r.input?.[0] === q.node.output?.[0]);
    const shape = qShape && int64Constant(initializers, qShape.input?.[1] ?? '');
    if (!shape || shape.length !== 4) return [];
    const numHeads = Number(shape[2]);
    const headDim = Number(shape[3]);
    const numKvHeads = k.dims[1] / headDim;
    if (!Number.isInteger(numKvHeads) || numHeads * headDim !== q.dims[1] || numHeads % numKvHeads !== 0) return [];
    return [{ layer, q, k, v, o, numHeads, numKvHeads, headDim, reshapes, cacheInputs: [...cacheInputs], cacheOutputs: [...cacheOutputs] }];
  });
}
