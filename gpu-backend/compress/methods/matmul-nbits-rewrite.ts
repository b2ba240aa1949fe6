/** Replacement of a float MatMul by a com.microsoft MatMulNBits node reading packed 4-bit weights. */
import { makeAttribute } from '../../onnx/builder.js';
import type { OnnxGraph, OnnxNode } from '../../onnx/types.js';
import { MATMUL_NBITS_DOMAIN, packMatMulNBits, type Int4Weight } from './int4-blocks.js';
import type { MatMulWeight } from './matmul-weights.js';

/**
 * Rewrites `target` in `graph` (whose node and initializer lists the caller owns) to MatMulNBits
 * with the same input and output names. Returns the bytes of the new initializers.
 */
export function replaceWithMatMulNBits(graph: OnnxGraph, target: MatMulWeight, quantized: Int4Weight, accuracyLevel: number): number {
  const weightName = target.weight.name ?? '';
  const tensors = packMatMulNBits(quantized, weightName);
  const inputs = [target.node.input![0]!, tensors.b.name!, tensors.scales.name!];
  if (tensors.zeroPoints) inputs.push(tensors.zeroPoints.name!);

  const node: OnnxNode = {
    input: inputs,
    output: [...(target.node.output ?? [])],
    name: `${target.node.name ?? weightName}_Q4`,
    opType: 'MatMulNBits',
    domain: MATMUL_NBITS_DOMAIN,
    attribute: [
      makeAttribute('K', target.k),
      makeAttribute('N', target.n),
      makeAttribute('bits', 4),
      makeAttribute('block_size', quantized.blockSize),
      makeAttribute('accuracy_level', accuracyLevel),
    ],
  };
  graph.node![target.nodeIndex] = node;

  const newTensors = [tensors.b, tensors.scales, ...(tensors.zeroPoints ? [tensors.zeroPoints] : [])];
  graph.initializer = (graph.initializer ?? []).filter((t) => t.name !== weightName).concat(newTensors);
  return newTensors.reduce((sum, t) => sum + (t.rawData?.byteLength ?? 0), 0);
}
