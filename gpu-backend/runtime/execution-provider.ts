/**
 * Creation of the onnxruntime-node `InferenceSession` for a configured execution provider.
 */

import * as ort from 'onnxruntime-node';

export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface SessionConfig {
  executionProvider: ExecutionProvider;
  /** Threads for parallelism inside one operator; undefined lets onnxruntime pick (one per physical core). */
  intraOpNumThreads?: number | undefined;
}

export function isExecutionProvider(value: string): value is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

/** Thrown when the configured execution provider cannot run on this machine. */
export class ExecutionProviderUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExecutionProviderUnavailableError';
  }
}

/** Loads an ONNX file, or a serialized model, with all graph optimizations on the configured provider. */
export async function createInferenceSession(onnxPath: string | Uint8Array, config: SessionConfig): Promise<ort.InferenceSession> {
  if (config.intraOpNumThreads !== undefined && (!Number.isInteger(config.intraOpNumThreads) || config.intraOpNumThreads < 1)) {
    throw new RangeError(`intraOpNumThreads must be a positive integer, got ${config.intraOpNumThreads}`);
  }

  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [config.executionProvider],
    graphOptimizationLevel: 'all',
    ...(config.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: config.intraOpNumThreads }),
  };

  if (config.executionProvider === 'cpu') return createSession(onnxPath, options);
  return createCudaSession(onnxPath, options);
}

// NOTE: only the failure path (no CUDA binaries) has been run; loading on a real GPU is untested.
async function createCudaSession(onnxPath: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const remedy =
    'Install onnxruntime-node with its CUDA 12 binaries (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node) ' +
    'on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9, or set EXECUTION_PROVIDER=cpu.';

  const backends = ort.listSupportedBackends();
  if (!backends.some((backend) => backend.name === 'cuda')) {
    throw new ExecutionProviderUnavailableError(`The CUDA execution provider is not built into this onnxruntime-node (${ort.env.versions.node}). ${remedy}`);
  }

  try {
    return await createSession(onnxPath, options);
  } catch (error) {
    throw new ExecutionProviderUnavailableError(`The CUDA execution provider failed to load: ${(error as Error).message}. ${remedy}`, { cause: error });
  }
}

// The two calls look alike but resolve to different overloads of create (file path or bytes).
function createSession(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}
