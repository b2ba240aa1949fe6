/**
 * Starts a worker thread on a TypeScript module. A worker does not inherit tsx's loader, so a
 * plain-JavaScript bootstrap registers it before importing the entry module.
 */

import { Worker } from 'node:worker_threads';

export function startTypeScriptWorker(entry: URL, workerData: unknown): Worker {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
