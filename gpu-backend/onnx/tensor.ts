/** Helpers to make and read `TensorProto`s (little-endian `rawData`, as ONNX requires). */
import { DataType, type Int64, type OnnxTensor } from './types.js';

/** Bytes per element for fixed-width types; 4-bit types report 0.5. */
export function dataTypeByteSize(dataType: number): number {
  switch (dataType) {
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
    case DataType.COMPLEX64:
      return 8;
    case DataType.COMPLEX128:
      return 16;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.INT16:
    case DataType.UINT16:
      return 2;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
    case DataType.FLOAT8E4M3FN:
    case DataType.FLOAT8E4M3FNUZ:
    case DataType.FLOAT8E5M2:
    case DataType.FLOAT8E5M2FNUZ:
      return 1;
    case DataType.INT4:
    case DataType.UINT4:
    case DataType.FLOAT4E2M1:
      return 0.5;
    default:
      throw new Error(`no fixed element size for ONNX data type ${dataType}`);
  }
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(view: ArrayBufferView): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('big-endian hosts are not supported');
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A tensor whose data is `rawData` copied from `data`. */
export function makeTensor(
  name: string,
  dataType: number,
  dims: readonly number[],
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array,
): OnnxTensor {
  const expected = Math.ceil(elementCount(dims) * dataTypeByteSize(dataType));
  if (data.byteLength !== expected) {
    throw new Error(`tensor ${name}: ${data.byteLength} bytes of data for dims [${dims.join(', ')}] (expected ${expected})`);
  }
  return { dims: [...dims], dataType, name, rawData: bytesOf(data).slice() };
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array | readonly number[]): OnnxTensor {
  return makeTensor(name, DataType.FLOAT, dims, data instanceof Float32Array ? data : Float32Array.from(data));
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly Int64[] | BigInt64Array): OnnxTensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return makeTensor(name, DataType.INT64, dims, data);
}

function rawView(tensor: OnnxTensor): DataView {
  const raw = tensor.rawData;
  if (!raw) throw new Error(`tensor ${tensor.name ?? '?'} has no rawData (external data must be loaded first)`);
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** The tensor's values as float32 (FLOAT tensors, from rawData or floatData). */
export function tensorToFloat32(tensor: OnnxTensor): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new Error(`tensor ${tensor.name ?? '?'} is not FLOAT`);
  if (tensor.floatData && !tensor.rawData) return Float32Array.from(tensor.floatData);
  const view = rawView(tensor);
  const out = new Float32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The tensor's values as int64 (INT64 tensors, from rawData or int64Data). */
export function tensorToBigInt64(tensor: OnnxTensor): BigInt64Array {
  if (tensor.dataType !== DataType.INT64) throw new Error(`tensor ${tensor.name ?? '?'} is not INT64`);
  if (tensor.int64Data && !tensor.rawData) return BigInt64Array.from(tensor.int64Data, (v) => BigInt(v));
  const view = rawView(tensor);
  const out = new BigInt64Array(view.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigInt64(i * 8, true);
  return out;
}
