/**
 * `fp16`: float32 → float16 conversion of weights and compute. Graph inputs and outputs stay
 * float32, with Cast nodes at the boundary. Nodes on the keep-list also stay float32 with Casts
 * around them. By default these are the RMSNorm reduction and root, Softmax and the rotary
 * angles, where float16 rounding would cost the most accuracy.
 */
import { makeAttribute } from '../../onnx/builder.js';
import { makeTensor } from '../../onnx/tensor.js';
import { DataType, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';
import type { CompressionMethod, StringListParam } from '../method.js';
import { inferElemTypes } from './elem-types.js';
import { toFloat16Array } from './float16.js';
import { cloneModelShallow, float32Of, uniqueNameFactory } from './graph-edit.js';

export interface Fp16Params {
  keepFloat32Ops: readonly string[];
  keepFloat32NodeNames: readonly string[];
}

const KEEP_OPS_PARAM: StringListParam = {
  type: 'string-list',
  default: ['ReduceMean', 'Pow', 'Sqrt', 'Reciprocal', 'Softmax', 'Cos', 'Sin'],
  description: 'Operator types that keep float32 inputs and outputs (Casts are inserted around them)',
};

const KEEP_NAMES_PARAM: StringListParam = {
  type: 'string-list',
  default: ['rotary_emb'],
  description: 'Substrings of node names whose nodes stay float32; the default keeps the rotary angles exact for long positions',
};

const elemTypeNames: Record<number, string> = { [DataType.FLOAT]: 'float32', [DataType.FLOAT16]: 'float16' };

/** Operators that read any element type, so they never need a Cast on their input. */
const TYPE_AGNOSTIC_INPUT_OPS = new Set(['Cast', 'Shape', 'Size']);

export const fp16: CompressionMethod<Fp16Params> = {
  name: 'fp16',
  kind: 'conversion',
  description: 'float16 weights and compute, with float32 graph inputs, outputs and keep-listed operators',
  appliesTo: { opTypes: [], executionProviders: ['cpu', 'cuda'] },
  params: { keepFloat32Ops: KEEP_OPS_PARAM, keepFloat32NodeNames: KEEP_NAMES_PARAM },
  incompatibleWith: ['int8-dynamic'],
  needsCalibration: false,
  searchable: true,
  async apply(model, params) {
    const out = cloneModelShallow(model);
    const graph = out.graph;
    const uniqueName = uniqueNameFactory(graph);
    const original = inferElemTypes(graph);
    const isKept = (node: OnnxNode): boolean =>
      params.keepFloat32Ops.includes(node.opType ?? '') || params.keepFloat32NodeNames.some((part) => (node.name ?? '').includes(part));

    // Initializers read only by kept nodes stay float32; every other float32 one becomes float16.
    const readers = new Map<string, OnnxNode[]>();
    for (const node of graph.node) for (const input of node.input ?? []) readers.set(input, [...(readers.get(input) ?? []), node]);
    const current = new Map(original);
    let converted = 0;
    graph.initializer = graph.initializer.map((tensor): OnnxTensor => {
      const name = tensor.name ?? '';
      if (tensor.dataType !== DataType.FLOAT || (readers.get(name) ?? []).every(isKept)) return tensor;
      converted += 1;
      current.set(name, DataType.FLOAT16);
      return makeTensor(name, DataType.FLOAT16, tensor.dims ?? [], toFloat16Array(float32Of(tensor)));
    });

    // Walk nodes in order: cast float inputs to the precision the node runs in, then record
    // the precision of its float outputs.
    const casts = new Map<string, string>();
    const nodes: OnnxNode[] = [];
    for (const node of graph.node) {
      const keepsFloat32 = isKept(node);
      const precision = keepsFloat32 ? DataType.FLOAT : DataType.FLOAT16;
      const inputs = (node.input ?? []).map((input) => {
        const type = current.get(input);
        const isFloat = type === DataType.FLOAT || type === DataType.FLOAT16;
        if (!input || !isFloat || type === precision || TYPE_AGNOSTIC_INPUT_OPS.has(node.opType ?? '')) return input;
        const key = `${input}\u0000${precision}`;
        let cast = casts.get(key);
        if (!cast) {
          cast = uniqueName(`${input}_${elemTypeNames[precision]}`);
          nodes.push({ input: [input], output: [cast], name: uniqueName(`${input}_Cast_${elemTypeNames[precision]}`), opType: 'Cast', attribute: [makeAttribute('to', precision)] });
          casts.set(key, cast);
          current.set(cast, precision);
        }
        return cast;
      });

      let attribute = node.attribute;
      if (!keepsFloat32 && node.opType === 'Cast' && original.get(node.output?.[0] ?? '') === DataType.FLOAT) {
        attribute = (node.attribute ?? []).map((a) => (a.name === 'to' ? makeAttribute('to', DataType.FLOAT16) : a));
      }
      nodes.push({ ...node, input: inputs, ...(attribute ? { attribute } : {}) });
      for (const output of node.output ?? []) {
        if (original.get(output) === DataType.FLOAT) current.set(output, precision);
      }
    }

    // Float32 graph outputs now computed in float16 get a Cast back under their original name.
    const renamed = new Map<string, string>();
    for (const output of graph.output) {
      const name = output.name ?? '';
      if (original.get(name) === DataType.FLOAT && current.get(name) === DataType.FLOAT16) renamed.set(name, uniqueName(`${name}_float16`));
    }
    const rename = (name: string): string => renamed.get(name) ?? name;
    graph.node = nodes.map((node) => ({ ...node, input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) }));
    for (const [name, internal] of renamed) {
      graph.node.push({ input: [internal], output: [name], name: uniqueName(`${name}_Cast_float32`), opType: 'Cast', attribute: [makeAttribute('to', DataType.FLOAT)] });
    }
    // Stale value infos would contradict the new element types; onnxruntime infers them again.
    delete graph.valueInfo;

    return {
      model: out,
      notes: [
        'graph inputs and outputs stay float32, so the KV cache crosses a Cast at every call',
        `kept float32: operators ${params.keepFloat32Ops.join(', ') || 'none'}; node names containing ${params.keepFloat32NodeNames.join(', ') || 'none'}`,
        'onnxruntime CPU has float16 kernels for few operators and inserts Casts for the rest, so float16 mainly pays off on CUDA',
      ],
      stats: { initializersConverted: converted, castsInserted: casts.size + renamed.size },
    };
  },
};
