/**
 * A small typed builder for ONNX graphs: initializers, constants, nodes with attributes, graph
 * inputs/outputs and value infos. Node and value names are derived from a scope stack so that
 * graphs read like exporter output (`/model/layers.0/self_attn/q_proj/MatMul`).
 */
import { floatTensor, int64Tensor, makeTensor } from './tensor.js';
import {
  AttributeType,
  DataType,
  IR_VERSION,
  type Int64,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxType,
  type OnnxValueInfo,
  type StringStringEntry,
} from './types.js';

/** A dimension: a fixed size or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/** Marks a number as a FLOAT attribute even when it is integral. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
/** Marks a list as FLOATS. */
export class FloatsAttr {
  constructor(readonly value: readonly number[]) {}
}

export const float = (value: number): FloatAttr => new FloatAttr(value);
export const floats = (value: readonly number[]): FloatsAttr => new FloatsAttr(value);

/**
 * Attribute values: integers (number/bigint) become INT, non-integral numbers FLOAT (use
 * {@link float} to force FLOAT), strings STRING, arrays of integers INTS, arrays of strings
 * STRINGS, tensors TENSOR, graphs GRAPH.
 */
export type AttributeValue =
  | Int64
  | string
  | FloatAttr
  | FloatsAttr
  | readonly Int64[]
  | readonly string[]
  | { tensor: OnnxTensor }
  | { graph: OnnxGraph };

export function makeAttribute(name: string, value: AttributeValue): OnnxAttribute {
  const encoder = new TextEncoder();
  if (value instanceof FloatAttr) return { name, type: AttributeType.FLOAT, f: value.value };
  if (value instanceof FloatsAttr) return { name, type: AttributeType.FLOATS, floats: [...value.value] };
  if (typeof value === 'bigint') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: encoder.encode(value) };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { name, type: AttributeType.STRINGS, strings: (value as string[]).map((v) => encoder.encode(v)) };
    }
    if (value.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) {
      return { name, type: AttributeType.INTS, ints: [...(value as Int64[])] };
    }
    if (value.every((v) => typeof v === 'number')) return { name, type: AttributeType.FLOATS, floats: [...(value as number[])] };
    throw new TypeError(`attribute ${name}: mixed list`);
  }
  if ('tensor' in (value as object)) return { name, type: AttributeType.TENSOR, t: (value as { tensor: OnnxTensor }).tensor };
  if ('graph' in (value as object)) return { name, type: AttributeType.GRAPH, g: (value as { graph: OnnxGraph }).graph };
  throw new TypeError(`attribute ${name}: unsupported value`);
}

export function tensorType(elemType: number, shape: readonly Dim[] | undefined): OnnxType {
  return {
    tensorType: {
      elemType,
      ...(shape ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
    },
  };
}

export function valueInfo(name: string, elemType: number, shape?: readonly Dim[]): OnnxValueInfo {
  return { name, type: tensorType(elemType, shape) };
}

export interface NodeOptions {
  /** Node name; default `<scope>/<opType>` made unique. */
  name?: string;
  /** Output names, or how many outputs to create; default one. */
  outputs?: number | string[];
  domain?: string;
}

export interface BuildModelOptions {
  opsetVersion: number;
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
  /** Extra operator sets, e.g. `{ 'com.microsoft': 1 }`. */
  extraOpsets?: Record<string, number>;
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  readonly valueInfos: OnnxValueInfo[] = [];
  private readonly usedNames = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly constantCache = new Map<string, string>();

  constructor(readonly name = 'main_graph') {}

  /** Runs `fn` with `segment` appended to the naming scope. */
  scope<T>(segment: string, fn: () => T): T {
    this.scopes.push(segment);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  get currentScope(): string {
    return this.scopes.length ? `/${this.scopes.join('/')}` : '';
  }

  /** Returns `base`, or `base_<n>` when taken; reserves the result. */
  uniqueName(base: string): string {
    let candidate = base;
    for (let n = 1; this.usedNames.has(candidate); n++) candidate = `${base}_${n}`;
    this.usedNames.add(candidate);
    return candidate;
  }

  input(name: string, elemType: number, shape: readonly Dim[]): string {
    this.usedNames.add(name);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Declares a graph output; `source` (if given) is renamed to `name` with an Identity node. */
  output(name: string, elemType: number, shape: readonly Dim[], source?: string): string {
    if (source !== undefined && source !== name) this.node('Identity', [source], {}, { outputs: [name] });
    this.outputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  addValueInfo(name: string, elemType: number, shape?: readonly Dim[]): void {
    this.valueInfos.push(valueInfo(name, elemType, shape));
  }

  addInitializer(tensor: OnnxTensor): string {
    if (!tensor.name) throw new Error('initializers need a name');
    if (this.usedNames.has(tensor.name)) throw new Error(`name ${tensor.name} is already used`);
    this.usedNames.add(tensor.name);
    this.initializers.push(tensor);
    return tensor.name;
  }

  /** Adds a FLOAT initializer from a Float32Array (row-major, `dims`). */
  addFloatInitializer(name: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    return this.addInitializer(floatTensor(name, dims, data));
  }

  addInt64Initializer(name: string, dims: readonly number[], values: readonly Int64[] | BigInt64Array): string {
    return this.addInitializer(int64Tensor(name, dims, values));
  }

  /** Returns the name of a shared int64 constant (1-D, or scalar when `scalar`), stored once as an initializer. */
  constInt64(values: readonly Int64[], scalar = false): string {
    const key = `i64:${scalar ? 's' : 'v'}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const label = values.length <= 6 ? values.join('_').replace(/-/g, 'm') : `len${values.length}`;
    const name = this.uniqueName(`const_i64_${scalar ? 'scalar_' : ''}${label}`);
    this.usedNames.delete(name);
    this.addInt64Initializer(name, scalar ? [] : [values.length], values);
    this.constantCache.set(key, name);
    return name;
  }

  /**
   * Returns the name of a shared float32 constant (scalar when `dims` is `[]`), stored once as an
   * initializer. When `label` is given, the constant is named `const_f32_<label>`.
   */
  constFloat(values: readonly number[], dims: readonly number[] = [values.length], label?: string): string {
    const data = Float32Array.from(values);
    const key = `f32:${dims.join('x')}:${Array.from(new Uint32Array(data.buffer)).join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.uniqueName(`const_f32_${label ?? (dims.length === 0 ? 'scalar' : dims.join('x'))}`);
    this.usedNames.delete(name);
    this.addInitializer(makeTensor(name, DataType.FLOAT, dims, data));
    this.constantCache.set(key, name);
    return name;
  }

  /** Adds a node; returns its output names. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, options: NodeOptions = {}): string[] {
    const nodeName = options.name ?? this.uniqueName(`${this.currentScope}/${opType}`);
    if (options.name) this.usedNames.add(options.name);
    const outputs =
      Array.isArray(options.outputs)
        ? options.outputs.map((o) => {
            this.usedNames.add(o);
            return o;
          })
        : Array.from({ length: (options.outputs as number | undefined) ?? 1 }, (_, i) => this.uniqueName(`${nodeName}_output_${i}`));
    const node: OnnxNode = {
      input: [...inputs],
      output: outputs,
      name: nodeName,
      opType,
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
    };
    const attrs = Object.entries(attributes).map(([k, v]) => makeAttribute(k, v));
    if (attrs.length) node.attribute = attrs;
    this.nodes.push(node);
    return outputs;
  }

  /** Adds a single-output node and returns the output name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, options: Omit<NodeOptions, 'outputs'> & { output?: string } = {}): string {
    const { output, ...rest } = options;
    const [out] = this.node(opType, inputs, attributes, { ...rest, ...(output ? { outputs: [output] } : {}) });
    return out!;
  }

  buildGraph(): OnnxGraph {
    const graph: OnnxGraph = {
      node: this.nodes,
      name: this.name,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
    if (this.valueInfos.length) graph.valueInfo = this.valueInfos;
    return graph;
  }

  buildModel(options: BuildModelOptions): OnnxModel {
    const metadata: StringStringEntry[] = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
    const model: OnnxModel = {
      irVersion: options.irVersion ?? IR_VERSION,
      opsetImport: [
        { domain: '', version: options.opsetVersion },
        ...Object.entries(options.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version })),
      ],
      producerName: options.producerName ?? 'slimgate',
      ...(options.producerVersion !== undefined ? { producerVersion: options.producerVersion } : {}),
      ...(options.docString !== undefined ? { docString: options.docString } : {}),
      graph: this.buildGraph(),
    };
    if (metadata.length) model.metadataProps = metadata;
    return model;
  }
}
