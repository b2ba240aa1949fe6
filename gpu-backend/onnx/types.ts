/**
 * Typed, plain-object view of ONNX protobuf messages.
 *
 * Every field is optional: an absent property means the field is absent on the wire, which is
 * what lets a read-then-write round trip reproduce the original bytes. 64-bit integers that may
 * legitimately exceed 2^53 (attribute values such as Slice's INT64_MAX, tensor data) are
 * {@link Int64}: a `number` when it is a safe integer, else a `bigint`. Shapes, versions and
 * other values that are always small are plain numbers.
 */

/** A 64-bit integer: a safe-integer `number`, or a `bigint` outside that range. */
export type Int64 = number | bigint;

/** ONNX `TensorProto.DataType`. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** ONNX `AttributeProto.AttributeType`. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

/** ONNX `TensorProto.DataLocation`. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;
export type DataLocation = (typeof DataLocation)[keyof typeof DataLocation];

export interface StringStringEntry {
  key?: string;
  value?: string;
}

export interface OnnxTensorSegment {
  begin?: Int64;
  end?: Int64;
}

export interface OnnxTensor {
  dims?: number[];
  dataType?: number;
  segment?: OnnxTensorSegment;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: Int64[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: Int64[];
  metadataProps?: StringStringEntry[];
}

export interface OnnxSparseTensor {
  values?: OnnxTensor;
  indices?: OnnxTensor;
  dims?: number[];
}

export interface OnnxDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface OnnxTensorShape {
  dim?: OnnxDimension[];
}

export interface OnnxTypeTensor {
  elemType?: number;
  shape?: OnnxTensorShape;
}

export interface OnnxType {
  tensorType?: OnnxTypeTensor;
  sequenceType?: { elemType?: OnnxType };
  mapType?: { keyType?: number; valueType?: OnnxType };
  optionalType?: { elemType?: OnnxType };
  sparseTensorType?: OnnxTypeTensor;
  denotation?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: OnnxType;
  docString?: string;
  metadataProps?: StringStringEntry[];
}

export interface OnnxAttribute {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  sparseTensor?: OnnxSparseTensor;
  tp?: OnnxType;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
  sparseTensors?: OnnxSparseTensor[];
  typeProtos?: OnnxType[];
}

export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: OnnxAttribute[];
  docString?: string;
  metadataProps?: StringStringEntry[];
}

export interface OnnxTensorAnnotation {
  tensorName?: string;
  quantParameterTensorNames?: StringStringEntry[];
}

export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  sparseInitializer?: OnnxSparseTensor[];
  docString?: string;
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
  quantizationAnnotation?: OnnxTensorAnnotation[];
  metadataProps?: StringStringEntry[];
}

export interface OnnxOperatorSetId {
  domain?: string;
  version?: number;
}

export interface OnnxTrainingInfo {
  initialization?: OnnxGraph;
  algorithm?: OnnxGraph;
  initializationBinding?: StringStringEntry[];
  updateBinding?: StringStringEntry[];
}

export interface OnnxFunction {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: OnnxAttribute[];
  node?: OnnxNode[];
  docString?: string;
  opsetImport?: OnnxOperatorSetId[];
  domain?: string;
  overload?: string;
  valueInfo?: OnnxValueInfo[];
  metadataProps?: StringStringEntry[];
}

export interface OnnxModel {
  irVersion?: number;
  opsetImport?: OnnxOperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: OnnxGraph;
  metadataProps?: StringStringEntry[];
  trainingInfo?: OnnxTrainingInfo[];
  functions?: OnnxFunction[];
}

/** The IR version that opset 21 belongs to (ONNX 1.16). */
export const IR_VERSION = 10;
/** The highest default-domain operator set this module's helpers are written against. */
export const MAX_OPSET = 21;
