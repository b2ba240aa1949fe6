/**
 * Child-process entry for {@link measurePerformance}: loads one ONNX model, measures latency at
 * each requested batch size and sends the result, with this process's peak resident memory,
 * over the IPC channel. A fresh process per model keeps the memory figures of variants apart.
 */

import * as ort from 'onnxruntime-node';

import { DecoderRunner } from './decoder-runner.js';
import { measureLatency } from './latency.js';
import type { PerformanceRequest, PerformanceResponse } from './performance.js';
import { readProcessMemory } from './process-memory.js';

async function run(request: PerformanceRequest): Promise<PerformanceResponse> {
  const before = readProcessMemory();

  const loadStarted = performance.now();
  const session = await ort.InferenceSession.create(request.onnxPath, {
    executionProviders: [request.executionProvider],
    graphOptimizationLevel: 'all',
    ...(request.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: request.intraOpNumThreads }),
  });
  const loadMs = performance.now() - loadStarted;

  const runner = new DecoderRunner(session, request.shape);
  const latency = [];
  for (const batchSize of request.batchSizes) {
    latency.push(await measureLatency(runner, { ...request.latency, batchSize }));
  }
  await session.release();

  const after = readProcessMemory();
  return { ok: true, loadMs, latency, rssBeforeLoadBytes: before.rssBytes, peakRssBytes: after.peakRssBytes };
}

process.once('message', (message: unknown) => {
  run(message as PerformanceRequest).then(
    (response) => process.send?.(response, () => process.exit(0)),
    (error: unknown) => {
      const response: PerformanceResponse = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      process.send?.(response, () => process.exit(1));
    },
  );
});
