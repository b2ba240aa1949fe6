export * from './import.js';
export * from './llama2c.js';
export * from './llama2c-tokenizer.js';
export * from './hf-tokenizer.js';
export * from './hf-config.js';
export * from './llama-graph.js';
