/**
 * `new_key_values.{i}.key|value`: the keys and values that one forward pass adds to the cache,
 * [batch, kv_heads, seq, head_dim]. The continuous-batching runtime keeps the cache in buffers of
 * its own and fetches only these, because onnxruntime-node copies every fetched output into a new
 * JavaScript buffer: fetching the whole `present.*` would copy the cache at every step.
 *
 * slimgate's importer writes these outputs. For another Optimum-layout model,
 * {@link addNewKeyValueOutputs} derives them from the graph: in such exports each `present.*` is a
 * `Concat` of the matching `past_key_values.*` and the new keys or values along axis 2.
 */

import { valueInfo } from '../onnx/builder.js';
import { readModel, writeModel } from '../onnx/model-io.js';
import { DataLocation, type OnnxModel } from '../onnx/types.js';

/** `new_key_values.{i}.key` then `.value` for each layer i, in `past_key_values` order. */
export function newKeyValueNames(numLayers: number): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) names.push(`new_key_values.${layer}.key`, `new_key_values.${layer}.value`);
  return names;
}

/**
 * Returns the serialized model with `new_key_values.*` outputs added, each an `Identity` of the
 * second input of the `Concat` that produces the matching `present.*`. Throws when a `present.*`
 * output is produced any other way, since the runtime cannot then tell the new columns apart.
 */
export function addNewKeyValueOutputs(bytes: Uint8Array, numLayers: number): Uint8Array {
  const model: OnnxModel = readModel(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('the ONNX model has no graph');
  // A model loaded from memory cannot find external data files, which are relative to its path.
  if ((graph.initializer ?? []).some((tensor) => tensor.dataLocation === DataLocation.EXTERNAL)) {
    throw new Error('the model keeps weights in external data and lacks new_key_values.* outputs; re-import or re-export it with those outputs');
  }
  const nodes = graph.node ?? [];
  const outputs = graph.output ?? [];
  const producers = new Map(nodes.flatMap((node) => (node.output ?? []).map((output) => [output, node] as const)));

  const newNames = newKeyValueNames(numLayers);
  newNames.forEach((newName, index) => {
    const presentName = newName.replace('new_key_values.', 'present.');
    const pastName = newName.replace('new_key_values.', 'past_key_values.');
    const concat = producers.get(presentName);
    const axis = concat?.attribute?.find((attribute) => attribute.name === 'axis')?.i;
    const isAppend = concat?.opType === 'Concat' && concat.input?.length === 2 && concat.input[0] === pastName && Number(axis) === 2;
    if (!isAppend) {
      throw new Error(`cannot find the new keys and values of ${presentName}: it is not Concat(${pastName}, new, axis=2)`);
    }

    const present = outputs.find((output) => output.name === presentName);
    const elemType = present?.type?.tensorType?.elemType ?? 1;
    const kvHeads = present?.type?.tensorType?.shape?.dim?.[1];
    const headDim = present?.type?.tensorType?.shape?.dim?.[3];
    const dims = [
      'batch_size',
      kvHeads?.dimValue !== undefined ? Number(kvHeads.dimValue) : 'num_key_value_heads',
      'sequence_length',
      headDim?.dimValue !== undefined ? Number(headDim.dimValue) : 'head_dim',
    ];
    const newValues = concat!.input![1]!;
    if (newValues !== newName) nodes.push({ opType: 'Identity', name: `slimgate/new_key_values/${index}`, input: [newValues], output: [newName] });
    outputs.push(valueInfo(newName, elemType, dims));
  });

  graph.node = nodes;
  graph.output = outputs;
  return writeModel(model);
}
