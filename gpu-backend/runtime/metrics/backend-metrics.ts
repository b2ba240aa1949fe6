/**
 * The backend's metrics. Per request: queue time, time to first token, inter-token latency and
 * token counts. Per forward pass: the batch size. Also model swaps and embedding batches.
 */

import { CallbackGauge, Counter, Histogram, MetricsRegistry } from './registry.js';

/** Latency buckets in seconds, from 1 ms to 2 minutes. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384];

export type RequestOutcome = 'completed' | 'cancelled' | 'failed' | 'rejected';

export class BackendMetrics {
  readonly registry = new MetricsRegistry();

  readonly queueTime = this.registry.register(
    new Histogram('slimgate_backend_queue_time_seconds', 'Time from admission until the first prefill of a request starts.', LATENCY_BUCKETS),
  );
  readonly timeToFirstToken = this.registry.register(
    new Histogram('slimgate_backend_time_to_first_token_seconds', 'Time from admission until the first generated token of each choice.', LATENCY_BUCKETS),
  );
  readonly interTokenLatency = this.registry.register(
    new Histogram('slimgate_backend_inter_token_latency_seconds', 'Time between consecutive generated tokens of one choice.', LATENCY_BUCKETS),
  );
  readonly promptTokens = this.registry.register(new Counter('slimgate_backend_prompt_tokens_total', 'Prompt tokens prefilled.'));
  readonly generationTokens = this.registry.register(new Counter('slimgate_backend_generation_tokens_total', 'Tokens generated.'));
  readonly requestPromptTokens = this.registry.register(
    new Histogram('slimgate_backend_request_prompt_tokens', 'Prompt tokens of each finished request, all choices together.', TOKEN_BUCKETS),
  );
  readonly requestGenerationTokens = this.registry.register(
    new Histogram('slimgate_backend_request_generation_tokens', 'Generated tokens of each finished request, all choices together.', TOKEN_BUCKETS),
  );
  readonly requests = this.registry.register(
    new Counter('slimgate_backend_requests_total', 'Generation requests by outcome (completed, cancelled, failed, rejected).', ['outcome']),
  );
  readonly decodeBatchSize = this.registry.register(
    new Histogram('slimgate_backend_decode_batch_size', 'Sequences in each decode step; the sum counts sequence-steps.', BATCH_BUCKETS),
  );
  readonly prefillTokens = this.registry.register(
    new Histogram('slimgate_backend_prefill_step_tokens', 'Input tokens (padding included) in each prefill forward pass.', [1, 4, 16, 64, 256, 1024, 4096]),
  );
  readonly modelSwaps = this.registry.register(
    new Counter('slimgate_backend_model_swaps_total', 'Model reloads from deployment.json or SIGHUP by result (loaded, failed).', ['result']),
  );
  readonly embeddingBatchSize = this.registry.register(
    new Histogram('slimgate_backend_embedding_batch_size', 'Inputs in each embedding forward pass.', BATCH_BUCKETS),
  );
  readonly embeddingInputs = this.registry.register(new Counter('slimgate_backend_embedding_inputs_total', 'Inputs embedded.'));

  /** Registers gauges read from the engine at render time. */
  watchEngine(status: () => { waiting: number; running: number; sequences?: number }): void {
    this.registry.register(new CallbackGauge('slimgate_backend_waiting_requests', 'Requests admitted and not yet started.', () => status().waiting));
    this.registry.register(new CallbackGauge('slimgate_backend_running_requests', 'Requests generating.', () => status().running));
  }
}
