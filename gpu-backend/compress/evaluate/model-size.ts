/**
 * Size of a model variant: bytes on disk (model file plus external data files) and the storage
 * of its MatMul weights, whatever form they take after compression.
 */

import { statSync } from 'node:fs';
import path from 'node:path';

import { loadModel } from '../../onnx/model-io.js';
import { elementCount } from '../../onnx/tensor.js';
import { DataLocation, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../../onnx/types.js';

export interface MatMulWeightSize {
  /** MatMul weights (K·N summed over weight MatMuls). */
  weights: number;
  /** Bytes of the initializers that store them: values, scales and zero points. */
  bytes: number;
  /** bytes·8 / weights. */
  bitsPerWeight: number;
}

/** Sizes of the model file and every external data file it references, in bytes. */
export function fileBytesOnDisk(onnxPath: string): number {
  const model = loadModel(onnxPath, { loadExternalData: false });
  const locations = new Set<string>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataLocation !== DataLocation.EXTERNAL) continue;
    const location = tensor.externalData?.find((entry) => entry.key === 'location')?.value;
    if (location) locations.add(location);
  }

  let total = statSync(onnxPath).size;
  for (const location of locations) total += statSync(path.join(path.dirname(onnxPath), location)).size;
  return total;
}

function tensorBytes(tensor: OnnxTensor): number {
  if (tensor.rawData) return tensor.rawData.byteLength;
  const length = tensor.externalData?.find((entry) => entry.key === 'length')?.value;
  if (length !== undefined) return Number(length);
  throw new Error(`initializer ${tensor.name ?? '?'} has neither raw data nor an external length`);
}

/**
 * Finds the weight MatMuls (float MatMul on an initializer, possibly behind DequantizeLinear or
 * Cast, com.microsoft MatMulNBits, and MatMulInteger) and sums the bytes of the initializers
 * they read. MatMulInteger's per-column scales live in a following Mul and are not counted, and
 * neither are float constants that several MatMuls share.
 */
export function matmulWeightSize(model: OnnxModel): MatMulWeightSize {
  const graph: OnnxGraph = model.graph ?? {};
  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor]));
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.node ?? []) for (const output of node.output ?? []) producers.set(output, node);

  const readers = new Map<string, number>();
  for (const node of graph.node ?? []) for (const input of node.input ?? []) readers.set(input, (readers.get(input) ?? 0) + 1);

  const counted = new Set<string>();
  let weights = 0;
  let bytes = 0;
  const addInitializer = (name: string | undefined): boolean => {
    const tensor = name === undefined ? undefined : initializers.get(name);
    if (!tensor || name === undefined) return false;
    if (!counted.has(name)) {
      counted.add(name);
      bytes += tensorBytes(tensor);
    }
    return true;
  };

  for (const node of graph.node ?? []) {
    if (node.opType === 'MatMulNBits') {
      const k = intAttribute(node, 'K');
      const n = intAttribute(node, 'N');
      (node.input ?? []).slice(1).forEach((name) => addInitializer(name));
      weights += k * n;
    } else if (node.opType === 'MatMulInteger') {
      const weightName = node.input?.[1];
      const tensor = weightName === undefined ? undefined : initializers.get(weightName);
      if (!tensor) continue;
      addInitializer(weightName);
      addInitializer(node.input?.[3]);
      weights += elementCount(tensor.dims ?? []);
    } else if (node.opType === 'MatMul') {
      const weightName = node.input?.[1] ?? '';
      const direct = initializers.get(weightName);
      // A constant read by several MatMuls (the rotary rotate-half matrix) is part of the graph,
      // not a layer's weight; the weight quantizers skip it too.
      if (direct && (readers.get(weightName) ?? 0) > 1) continue;
      if (direct) {
        addInitializer(weightName);
        weights += elementCount(direct.dims ?? []);
        continue;
      }
      const producer = producers.get(weightName);
      if (!producer || (producer.opType !== 'DequantizeLinear' && producer.opType !== 'Cast')) continue;
      const source = initializers.get(producer.input?.[0] ?? '');
      if (!source) continue;
      (producer.input ?? []).forEach((name) => addInitializer(name));
      weights += elementCount(source.dims ?? []);
    }
  }
  return { weights, bytes, bitsPerWeight: weights > 0 ? (bytes * 8) / weights : 0 };
}

function intAttribute(node: OnnxNode, name: string): number {
  const value = node.attribute?.find((attribute) => attribute.name === name)?.i;
  if (value === undefined) throw new Error(`${node.opType} node ${node.name ?? '?'} has no ${name} attribute`);
  return Number(value);
}
