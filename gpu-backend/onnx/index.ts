export * from './types.js';
export * from './model-io.js';
export * from './tensor.js';
export * from './builder.js';
export { onnxRoot, ModelProtoType } from './schema.js';
