export * from './download.js';
export * from './default-model.js';
