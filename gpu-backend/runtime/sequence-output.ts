/**
 * Token-by-token bookkeeping of one choice: text deltas, stop sequences, token counts and the
 * finish reason. It keeps no model state, so a batching scheduler can keep one per sequence.
 */

import type { ChoiceRequest, FinishReason } from './generation.js';
import { IncrementalDecoder } from './incremental-decoder.js';
import { StopMatcher } from './stop-matcher.js';
import type { TextTokenizer } from './tokenizer.js';

export interface AcceptedToken {
  /** Text that can be sent now; '' when nothing is complete or safe yet. */
  text: string;
  /** Set on the token that ends the choice. */
  finishReason: FinishReason | null;
}

export class SequenceOutput {
  /** Generated tokens so far, including an EOS or BOS that ended the choice. */
  completionTokens = 0;
  private readonly decoder: IncrementalDecoder;
  private readonly stopMatcher: StopMatcher;
  private readonly maxCompletionTokens: number;

  constructor(
    private readonly tokenizer: TextTokenizer,
    choice: ChoiceRequest,
    contextLength: number,
  ) {
    const lastPromptToken = choice.promptTokenIds[choice.promptTokenIds.length - 1] ?? tokenizer.specialTokens.bosTokenId;
    this.decoder = new IncrementalDecoder(tokenizer, lastPromptToken);
    this.stopMatcher = new StopMatcher(choice.stop);
    this.maxCompletionTokens = Math.max(0, Math.min(choice.maxTokens, contextLength - choice.promptTokenIds.length));
  }

  /** True when no token may be generated at all (max_tokens 0 or a full context). */
  get exhausted(): boolean {
    return this.completionTokens >= this.maxCompletionTokens;
  }

  accept(tokenId: number): AcceptedToken {
    this.completionTokens++;

    // llama2.c's generate loop ends on BOS (id 1); EOS ends a story as well.
    const { bosTokenId, eosTokenId } = this.tokenizer.specialTokens;
    if (tokenId === eosTokenId || tokenId === bosTokenId) return this.finish('stop', '');

    const matched = this.stopMatcher.push(this.decoder.push(tokenId));
    if (matched.stopped) return { text: matched.text, finishReason: 'stop' };
    if (this.exhausted) return this.finish('length', matched.text);
    return { text: matched.text, finishReason: null };
  }

  /** Flushes held-back bytes and text; a stop sequence completed by the flush still wins. */
  private finish(reason: FinishReason, text: string): AcceptedToken {
    const tail = this.stopMatcher.push(this.decoder.flush());
    if (tail.stopped) return { text: text + tail.text, finishReason: 'stop' };
    return { text: text + tail.text + this.stopMatcher.flush(), finishReason: reason };
  }
}
