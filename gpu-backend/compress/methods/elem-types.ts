/**
 * Element-type propagation through a topologically sorted graph, enough to tell which values
 * are floating point. It covers the operators exporters write for decoder LLMs. An operator not
 * listed gets the element type of its first typed input, because most ONNX operators follow that rule.
 */
import { AttributeType, DataType, type OnnxGraph, type OnnxNode } from '../../onnx/types.js';

const BOOL_OUTPUT_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Not', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OUTPUT_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);

function intAttribute(node: OnnxNode, name: string): number | undefined {
  const attribute = node.attribute?.find((a) => a.name === name);
  return attribute?.i === undefined ? undefined : Number(attribute.i);
}

/** Element type of every named value: graph inputs, initializers and node outputs. */
export function inferElemTypes(graph: OnnxGraph): Map<string, number> {
  const types = new Map<string, number>();
  for (const input of graph.input ?? []) types.set(input.name ?? '', input.type?.tensorType?.elemType ?? DataType.UNDEFINED);
  for (const tensor of graph.initializer ?? []) types.set(tensor.name ?? '', tensor.dataType ?? DataType.UNDEFINED);

  for (const node of graph.node ?? []) {
    const inputTypes = (node.input ?? []).map((name) => (name ? (types.get(name) ?? DataType.UNDEFINED) : DataType.UNDEFINED));
    outputTypesOf(node, inputTypes).forEach((type, i) => {
      const output = node.output?.[i];
      if (output) types.set(output, type);
    });
  }
  return types;
}

function outputTypesOf(node: OnnxNode, inputTypes: number[]): number[] {
  const outputs = node.output?.length ?? 0;
  const same = (type: number): number[] => Array<number>(outputs).fill(type);
  const firstTyped = inputTypes.find((t) => t !== DataType.UNDEFINED) ?? DataType.UNDEFINED;
  const op = node.opType ?? '';

  if (op === 'Cast') return same(intAttribute(node, 'to') ?? DataType.UNDEFINED);
  if (op === 'CastLike') return same(inputTypes[1] ?? DataType.UNDEFINED);
  if (BOOL_OUTPUT_OPS.has(op)) return same(DataType.BOOL);
  if (INT64_OUTPUT_OPS.has(op)) return same(DataType.INT64);
  if (op === 'Where') return same(inputTypes[1] ?? DataType.UNDEFINED);
  if (op === 'DynamicQuantizeLinear') return [DataType.UINT8, DataType.FLOAT, DataType.UINT8].slice(0, outputs);
  if (op === 'MatMulInteger' || op === 'ConvInteger') return same(DataType.INT32);
  if (op === 'QuantizeLinear') return same(inputTypes[2] ?? DataType.UINT8);
  if (op === 'DequantizeLinear') return same(inputTypes[1] ?? DataType.FLOAT);
  if (op === 'Gather' || op === 'GatherElements' || op === 'GatherND') return same(inputTypes[0] ?? DataType.UNDEFINED);
  if (op === 'Constant' || op === 'ConstantOfShape') {
    const value = node.attribute?.find((a) => a.name === 'value' && a.type === AttributeType.TENSOR);
    return same(value?.t?.dataType ?? DataType.FLOAT);
  }
  return same(firstTyped);
}
