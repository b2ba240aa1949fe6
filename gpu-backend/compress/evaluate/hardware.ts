/** The machine a measurement ran on, recorded next to the numbers. */

import os from 'node:os';

import * as ort from 'onnxruntime-node';

import type { ExecutionProvider } from '../../runtime/execution-provider.js';

export interface HardwareInfo {
  cpuModel: string;
  /** Logical CPUs visible to Node. */
  cpuCount: number;
  memoryBytes: number;
  platform: string;
  nodeVersion: string;
  onnxruntimeVersion: string;
  executionProvider: ExecutionProvider;
  /** intra_op_num_threads of the measured sessions; null when onnxruntime chose. */
  intraOpNumThreads: number | null;
}

export function describeHardware(executionProvider: ExecutionProvider, intraOpNumThreads: number | undefined): HardwareInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()}-${os.arch()}`,
    nodeVersion: process.version,
    onnxruntimeVersion: ort.env.versions.node ?? 'unknown',
    executionProvider,
    intraOpNumThreads: intraOpNumThreads ?? null,
  };
}
