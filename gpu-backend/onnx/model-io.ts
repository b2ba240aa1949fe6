/**
 * Reading and writing ONNX models as bytes, and as files with optional external data.
 *
 * `readModel` decodes with the project's schema into the plain objects of `./types.ts`;
 * `writeModel` encodes them again. Fields are written in field-number order, as the reference
 * C++ serializer does, so a model this module wrote reads and rewrites to identical bytes.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import protobuf from 'protobufjs';
import { ModelProtoType } from './schema.js';
import { DataLocation, type OnnxGraph, type OnnxModel, type OnnxTensor } from './types.js';

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** int64 fields that are always small (shapes, versions): decoded as plain numbers. */
const NUMBER_ONLY_FIELDS = new Set([
  'onnx.TensorProto.dims',
  'onnx.SparseTensorProto.dims',
  'onnx.TensorShapeProto.Dimension.dimValue',
  'onnx.ModelProto.irVersion',
  'onnx.ModelProto.modelVersion',
  'onnx.OperatorSetIdProto.version',
]);

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function longToInt64(value: unknown, unsigned: boolean, fieldName: string, numberOnly: boolean): number | bigint {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return value;
  const long = value as LongLike;
  let big = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  if (!unsigned) big = BigInt.asIntN(64, big);
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  if (numberOnly) throw new Error(`ONNX field ${fieldName} holds ${big}, beyond the safe integer range`);
  return big;
}

function int64ToLong(value: unknown, unsigned: boolean): unknown {
  if (typeof value === 'bigint') {
    const v = unsigned ? BigInt.asUintN(64, value) : BigInt.asIntN(64, value);
    const bits = BigInt.asUintN(64, v);
    return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
  }
  return value;
}

function asUint8Array(bytes: Uint8Array): Uint8Array {
  // protobufjs returns Node Buffers (a Uint8Array subclass); expose plain views of the same memory.
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fromMessage(type: protobuf.Type, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) continue;
      out[field.name] = value.map((v) => convertIn(field, v));
    } else if (Object.prototype.hasOwnProperty.call(message, field.name) && value !== null && value !== undefined) {
      out[field.name] = convertIn(field, value);
    }
  }
  return out;
}

function convertIn(field: protobuf.Field, value: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return fromMessage(field.resolvedType, value as Record<string, unknown>);
  if (INT64_TYPES.has(field.type)) {
    return longToInt64(value, field.type === 'uint64' || field.type === 'fixed64', field.fullName, NUMBER_ONLY_FIELDS.has(field.fullName.replace(/^\./, '')));
  }
  if (field.type === 'bytes') return asUint8Array(value as Uint8Array);
  return value;
}

function toMessage(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`ONNX field ${field.fullName} must be an array`);
      out[field.name] = value.map((v) => convertOut(field, v));
    } else {
      out[field.name] = convertOut(field, value);
    }
  }
  return out;
}

function convertOut(field: protobuf.Field, value: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return toMessage(field.resolvedType, value as Record<string, unknown>);
  if (INT64_TYPES.has(field.type)) return int64ToLong(value, field.type === 'uint64' || field.type === 'fixed64');
  return value;
}

/** Decodes a serialized `ModelProto`. External data stays referenced (see {@link loadModel}). */
export function readModel(bytes: Uint8Array): OnnxModel {
  const message = ModelProtoType.decode(bytes) as unknown as Record<string, unknown>;
  return fromMessage(ModelProtoType, message) as OnnxModel;
}

/** Serializes a model to `ModelProto` bytes. Throws past protobuf's 2 GiB message limit. */
export function writeModel(model: OnnxModel): Uint8Array {
  const message = toMessage(ModelProtoType, model as Record<string, unknown>);
  const bytes = ModelProtoType.encode(message).finish();
  return asUint8Array(bytes);
}

/** Largest serialized message protobuf (and so ONNX Runtime) accepts. */
export const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

export interface SaveModelOptions {
  /**
   * Where tensor data goes: `false` keeps everything inline, `true` moves every initializer of
   * at least `minTensorBytes` into the external file, `'auto'` (default) does so only when the
   * inline model would reach `autoThresholdBytes`.
   */
  externalData?: boolean | 'auto';
  /** External data file name, relative to the model file's folder. Default `<model file>_data`. */
  location?: string;
  /** Initializers smaller than this stay inline when data goes external. Default 1024. */
  minTensorBytes?: number;
  /** Size from which `'auto'` switches to external data. Default 2 GiB less a 64 MiB margin. */
  autoThresholdBytes?: number;
  /** Offsets in the external file are multiples of this (4096 lets runtimes mmap). */
  alignment?: number;
}

export interface SavedModelInfo {
  modelPath: string;
  /** Absolute path of the external data file, when one was written. */
  externalDataPath?: string;
  externalTensors: number;
  modelBytes: number;
}

function graphsOf(model: OnnxModel): OnnxGraph[] {
  const graphs: OnnxGraph[] = [];
  const visit = (graph: OnnxGraph | undefined): void => {
    if (!graph) return;
    graphs.push(graph);
    for (const node of graph.node ?? []) {
      for (const attribute of node.attribute ?? []) {
        visit(attribute.g);
        for (const g of attribute.graphs ?? []) visit(g);
      }
    }
  };
  visit(model.graph);
  return graphs;
}

function inlineDataBytes(model: OnnxModel): number {
  let total = 0;
  for (const graph of graphsOf(model)) for (const t of graph.initializer ?? []) total += t.rawData?.byteLength ?? 0;
  return total;
}

/**
 * Writes a model to `modelPath`, moving large initializers into an external data file when asked
 * to (or, by default, when the model would not fit in one protobuf message). The model object
 * passed in is not modified.
 */
export function saveModel(model: OnnxModel, modelPath: string, options: SaveModelOptions = {}): SavedModelInfo {
  const mode = options.externalData ?? 'auto';
  const autoThreshold = options.autoThresholdBytes ?? PROTOBUF_LIMIT_BYTES - 64 * 1024 * 1024;
  const useExternal = mode === true || (mode === 'auto' && inlineDataBytes(model) >= autoThreshold);
  if (!useExternal) {
    const bytes = writeModel(model);
    writeFileFully(modelPath, bytes);
    return { modelPath, externalTensors: 0, modelBytes: bytes.byteLength };
  }

  const location = options.location ?? `${modelPath.split(/[\\/]/).pop()}_data`;
  const minTensorBytes = options.minTensorBytes ?? 1024;
  const alignment = Math.max(1, options.alignment ?? 4096);
  const dataPath = join(dirname(modelPath), location);
  const fd = openSync(dataPath, 'w');
  let offset = 0;
  let externalTensors = 0;
  const rewrite = (tensor: OnnxTensor): OnnxTensor => {
    const raw = tensor.rawData;
    if (!raw || raw.byteLength < minTensorBytes) return tensor;
    const start = Math.ceil(offset / alignment) * alignment;
    if (start > offset) writeAll(fd, new Uint8Array(start - offset));
    writeAll(fd, raw);
    offset = start + raw.byteLength;
    externalTensors += 1;
    const { rawData: _dropped, ...rest } = tensor;
    return {
      ...rest,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(start) },
        { key: 'length', value: String(raw.byteLength) },
      ],
      dataLocation: DataLocation.EXTERNAL,
    };
  };
  let bytes: Uint8Array;
  try {
    bytes = writeModel(mapInitializers(model, rewrite));
  } finally {
    closeSync(fd);
  }
  writeFileFully(modelPath, bytes);
  return { modelPath, externalDataPath: dataPath, externalTensors, modelBytes: bytes.byteLength };
}

function mapInitializers(model: OnnxModel, fn: (t: OnnxTensor) => OnnxTensor): OnnxModel {
  const mapGraph = (graph: OnnxGraph): OnnxGraph => ({
    ...graph,
    ...(graph.initializer ? { initializer: graph.initializer.map(fn) } : {}),
    ...(graph.node
      ? {
          node: graph.node.map((node) =>
            node.attribute
              ? {
                  ...node,
                  attribute: node.attribute.map((a) => ({
                    ...a,
                    ...(a.g ? { g: mapGraph(a.g) } : {}),
                    ...(a.graphs ? { graphs: a.graphs.map(mapGraph) } : {}),
                  })),
                }
              : node,
          ),
        }
      : {}),
  });
  return model.graph ? { ...model, graph: mapGraph(model.graph) } : model;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
}

function writeFileFully(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

export interface LoadModelOptions {
  /** Read external tensor data and inline it as `rawData` (default true). */
  loadExternalData?: boolean;
}

/** Reads a model file; by default external tensor data is read and inlined. */
export function loadModel(modelPath: string, options: LoadModelOptions = {}): OnnxModel {
  const model = readModel(readFileSync(modelPath));
  if (options.loadExternalData === false) return model;
  const baseDir = dirname(modelPath);
  const cache = new Map<string, Uint8Array>();
  return mapInitializers(model, (tensor) => {
    if (tensor.dataLocation !== DataLocation.EXTERNAL) return tensor;
    const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (!location) throw new Error(`tensor ${tensor.name ?? '?'} has external data without a location`);
    if (isAbsolute(location) || normalize(location).split(sep).includes('..')) {
      throw new Error(`tensor ${tensor.name ?? '?'}: external data location ${location} leaves the model folder`);
    }
    const filePath = join(baseDir, location);
    let file = cache.get(filePath);
    if (!file) {
      file = new Uint8Array(readFileSync(filePath));
      cache.set(filePath, file);
    }
    const offset = Number(entries.get('offset') ?? '0');
    const length = entries.has('length') ? Number(entries.get('length')) : file.byteLength - offset;
    if (!(offset >= 0 && length >= 0 && offset + length <= file.byteLength)) {
      throw new Error(`tensor ${tensor.name ?? '?'}: external range ${offset}+${length} exceeds ${filePath} (${file.byteLength} bytes)`);
    }
    const { externalData: _e, dataLocation: _d, ...rest } = tensor;
    return { ...rest, rawData: file.slice(offset, offset + length) };
  });
}

/** SHA-256 of a file as lowercase hex (used by provenance records). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(size, 8 * 1024 * 1024) || 1);
    let position = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.byteLength, position);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
      position += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
