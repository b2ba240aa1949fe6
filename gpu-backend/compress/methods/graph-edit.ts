/**
 * Small graph-editing helpers shared by the methods. Methods never mutate their input model:
 * {@link cloneModelShallow} copies the containers, and edits replace nodes and initializers
 * instead of changing shared objects.
 */
import { tensorToFloat32 } from '../../onnx/tensor.js';
import { DataType, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';

/** Copies the model, graph, node, initializer and value lists; tensors and nodes stay shared. */
export function cloneModelShallow(model: OnnxModel): OnnxModel & { graph: Required<Pick<OnnxGraph, 'node' | 'initializer' | 'input' | 'output'>> & OnnxGraph } {
  const graph = model.graph ?? {};
  return {
    ...model,
    opsetImport: [...(model.opsetImport ?? [])],
    graph: {
      ...graph,
      node: [...(graph.node ?? [])],
      initializer: [...(graph.initializer ?? [])],
      input: [...(graph.input ?? [])],
      output: [...(graph.output ?? [])],
      ...(graph.valueInfo ? { valueInfo: [...graph.valueInfo] } : {}),
    },
  };
}

export function initializerMap(graph: OnnxGraph): Map<string, OnnxTensor> {
  return new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
}

/** Adds `{ domain, version }` to the model's opset imports unless the domain is imported already. */
export function ensureOpset(model: OnnxModel, domain: string, version: number): void {
  const imports = model.opsetImport ?? [];
  if (!imports.some((o) => (o.domain ?? '') === domain)) model.opsetImport = [...imports, { domain, version }];
}

/** The default-domain opset version the model imports. */
export function defaultOpsetVersion(model: OnnxModel): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!entry?.version) throw new Error('the model imports no default-domain opset');
  return entry.version;
}

/** Drops initializers that no node input and no graph output references. */
export function removeUnusedInitializers(graph: OnnxGraph): number {
  const used = new Set<string>();
  for (const node of graph.node ?? []) for (const input of node.input ?? []) used.add(input);
  for (const output of graph.output ?? []) used.add(output.name ?? '');
  const before = graph.initializer?.length ?? 0;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  return before - graph.initializer.length;
}

/** Returns a name not yet used by any node output, initializer, graph input or node name. */
export function uniqueNameFactory(graph: OnnxGraph): (base: string) => string {
  const used = new Set<string>();
  for (const node of graph.node ?? []) {
    used.add(node.name ?? '');
    for (const output of node.output ?? []) used.add(output);
  }
  for (const t of graph.initializer ?? []) used.add(t.name ?? '');
  for (const i of graph.input ?? []) used.add(i.name ?? '');
  return (base: string) => {
    let candidate = base;
    for (let n = 1; used.has(candidate); n++) candidate = `${base}_${n}`;
    used.add(candidate);
    return candidate;
  };
}

/** Number of values stored in FLOAT/FLOAT16 initializers (the model's float parameters). */
export function countFloatParameters(graph: OnnxGraph): number {
  let count = 0;
  for (const t of graph.initializer ?? []) {
    if (t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16) count += (t.dims ?? []).reduce((a, b) => a * b, 1);
  }
  return count;
}

/** Total bytes of initializer data (rawData, or typed fields at their element size). */
export function initializerBytes(tensor: OnnxTensor): number {
  if (tensor.rawData) return tensor.rawData.byteLength;
  return (tensor.floatData?.length ?? 0) * 4 + (tensor.int32Data?.length ?? 0) * 4 + (tensor.int64Data?.length ?? 0) * 8 + (tensor.doubleData?.length ?? 0) * 8;
}

export function float32Of(tensor: OnnxTensor): Float32Array {
  return tensorToFloat32(tensor);
}

/** Nodes that read `name`, with their input positions. */
export function consumersOf(graph: OnnxGraph, name: string): { node: OnnxNode; index: number; inputIndex: number }[] {
  const found: { node: OnnxNode; index: number; inputIndex: number }[] = [];
  (graph.node ?? []).forEach((node, index) => {
    (node.input ?? []).forEach((input, inputIndex) => {
      if (input === name) found.push({ node, index, inputIndex });
    });
  });
  return found;
}
