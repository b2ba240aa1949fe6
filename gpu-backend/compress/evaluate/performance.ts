/**
 * Latency and peak memory of a model, measured in a child Node process so that each variant's
 * resident memory is its own (the parent holds the reference model and other variants).
 */

import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import type { DecoderShape } from './decoder-runner.js';
import type { LatencyOptions, LatencyResult } from './latency.js';

export interface PerformanceRequest {
  onnxPath: string;
  shape: DecoderShape;
  executionProvider: ExecutionProvider;
  intraOpNumThreads?: number;
  batchSizes: number[];
  latency: Omit<LatencyOptions, 'batchSize'>;
}

export type PerformanceResponse =
  | {
      ok: true;
      /** Session creation time in milliseconds. */
      loadMs: number;
      latency: LatencyResult[];
      /** Resident memory before the model was loaded (Node and onnxruntime-node alone), bytes. */
      rssBeforeLoadBytes: number;
      /** VmHWM after loading and running the model, bytes. */
      peakRssBytes: number;
    }
  | { ok: false; error: string };

export type PerformanceResult = Extract<PerformanceResponse, { ok: true }>;

const CHILD_ENTRY = fileURLToPath(new URL('./performance-child.ts', import.meta.url));

/** Runs the measurement in a fresh child process; rejects when it fails or exceeds `timeoutMs`. */
export async function measurePerformance(request: PerformanceRequest, timeoutMs: number): Promise<PerformanceResult> {
  // tsx's loader is resolved from this package, so the child runs TypeScript from any working directory.
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(CHILD_ENTRY, [], { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keeps the last 4 kB, enough for the error that ended the child.
    stderr = (stderr + chunk).slice(-4096);
  });

  return new Promise<PerformanceResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new Error(`performance measurement of ${request.onnxPath} timed out after ${timeoutMs} ms`)));
    }, timeoutMs);

    child.once('message', (message: unknown) => {
      const response = message as PerformanceResponse;
      if (response.ok) finish(() => resolve(response));
      else finish(() => reject(new Error(`performance measurement of ${request.onnxPath} failed: ${response.error}`)));
    });
    child.once('error', (error) => finish(() => reject(error)));
    child.once('exit', (code, signal) => {
      finish(() => reject(new Error(`performance child for ${request.onnxPath} exited (code ${code}, signal ${signal}) without a result: ${stderr.trim()}`)));
    });
    child.send(request);
  });
}
