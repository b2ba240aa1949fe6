/**
 * Online quality estimates of non-reference variants: a sampled share of their requests is
 * replayed greedily on the reference variant, off the request path, and the two outputs are
 * compared (src/variants/agreement.ts). Scores feed the router and the metrics store.
 */

import type { Logger } from '../log/logger.js';
import { readChoiceText } from '../metrics/body-observer.js';
import type { MetricsStore } from '../metrics/metrics-store.js';
import type { GenerationEndpoint } from '../openai/request-types.js';
import { greedyAgreement, logProbabilityGap, qualityScore } from './agreement.js';
import type { BackgroundQueue } from './background-queue.js';
import type { Random } from './random.js';
import type { VariantRouter } from './variant-router.js';

/** Sends a non-streaming request to a variant of `body.model` and returns the parsed JSON body. */
export type SendToVariant = (variant: string, endpoint: GenerationEndpoint, body: Record<string, unknown> & { model: string }) => Promise<unknown>;

export interface QualityReplayOptions {
  router: VariantRouter;
  store: MetricsStore;
  queue: BackgroundQueue;
  send: SendToVariant;
  random: Random;
  logger: Logger;
  /** Milliseconds since the Unix epoch; replaceable in tests. */
  now?: () => number;
}

export interface ServedRequest {
  model: string;
  variant: string;
  endpoint: GenerationEndpoint;
  /** The validated request body as the client sent it. */
  body: Readonly<Record<string, unknown>> & { model: string };
  /** Text of the first choice as served; reused when the request was already greedy. */
  servedText: string;
  /** False when the response body ended early. */
  complete: boolean;
}

export class QualityReplay {
  readonly #options: QualityReplayOptions;

  constructor(options: QualityReplayOptions) {
    this.#options = options;
  }

  /**
   * Queues a replay of `served` with the policy's probability and returns the task's promise, for
   * `waitUntil`. Returns undefined when the request is not sampled or the queue is full.
   */
  maybeReplay(served: ServedRequest): Promise<void> | undefined {
    const { router, random, queue } = this.#options;
    const reference = router.reference(served.model);
    if (!router.splits(served.model) || reference === undefined || served.variant === reference || !served.complete) return undefined;
    if (random.next() >= router.policy(served.model).replayFraction) return undefined;

    return queue.offer(async () => {
      await this.replay(served, reference);
    });
  }

  /** Replays one request now and records its score; exported for tests. */
  async replay(served: ServedRequest, reference: string): Promise<number> {
    const { router, store, send, logger } = this.#options;
    const greedyBody: Record<string, unknown> & { model: string } = { ...served.body, stream: false, temperature: 0, n: 1 };
    delete greedyBody.stream_options;

    const wasGreedy = served.body.temperature === 0 && (served.body.n ?? 1) === 1;
    const referenceResponse = await send(reference, served.endpoint, greedyBody);
    const variantResponse = wasGreedy ? undefined : await send(served.variant, served.endpoint, greedyBody);
    const variantText = variantResponse === undefined ? served.servedText : readChoiceText(variantResponse);

    const agreement = greedyAgreement(variantText, readChoiceText(referenceResponse));
    const gap = variantResponse === undefined ? null : logProbabilityGap(variantResponse, referenceResponse);
    const score = qualityScore(agreement, gap);

    router.observeQuality(served.model, served.variant, score);
    await store.recordQuality({ time: (this.#options.now ?? Date.now)(), model: served.model, variant: served.variant, source: 'replay', score });
    logger.debug({ model: served.model, variant: served.variant, reference, agreement, gap, score }, 'variant quality replayed');
    return score;
  }
}
