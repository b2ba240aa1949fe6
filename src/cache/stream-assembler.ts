/**
 * Rebuilds the complete response object from the chunks of an OpenAI event stream, so a
 * streamed response can be cached and later served to a non-streaming request, or replayed.
 */

import type { GenerationEndpoint } from '../openai/request-types.js';
import type { ChatCompletion, ChatCompletionChoice, CompletionObject, CompletionUsage, TextCompletion, TextCompletionChoice, ToolCall } from './completion-types.js';

interface ChunkHeader {
  id: string;
  created: number;
  model: string;
  system_fingerprint?: string;
}

interface ChatDelta {
  role?: string;
  content?: string | null;
  refusal?: string | null;
  tool_calls?: (ToolCall & { index: number })[];
}

/** Reason that a stream cannot be cached. The gateway still forwards such a stream unchanged. */
export class UnassemblableStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnassemblableStreamError';
  }
}

/**
 * Collects `chat.completion.chunk` or `text_completion` chunks and builds the final object.
 * Throws {@link UnassemblableStreamError} on a chunk it cannot merge faithfully (an error event,
 * log probabilities, an unknown object type), so the caller skips caching.
 */
export class CompletionStreamAssembler {
  private readonly endpoint: GenerationEndpoint;
  private header: ChunkHeader | undefined;
  private usage: CompletionUsage | undefined;
  private readonly chatChoices = new Map<number, ChatCompletionChoice>();
  private readonly textChoices = new Map<number, TextCompletionChoice>();

  constructor(endpoint: GenerationEndpoint) {
    this.endpoint = endpoint;
  }

  /** Merges one parsed chunk (the JSON of one `data:` line). */
  add(chunk: unknown): void {
    if (typeof chunk !== 'object' || chunk === null) throw new UnassemblableStreamError('a chunk is not a JSON object');
    const record = chunk as Record<string, unknown>;
    if ('error' in record) throw new UnassemblableStreamError('the stream contains an error event');

    const expectedObject = this.endpoint === 'chat.completions' ? 'chat.completion.chunk' : 'text_completion';
    if (record.object !== expectedObject) throw new UnassemblableStreamError(`unexpected chunk object ${JSON.stringify(record.object)}`);

    this.header ??= {
      id: String(record.id),
      created: Number(record.created),
      model: String(record.model),
      ...(typeof record.system_fingerprint === 'string' ? { system_fingerprint: record.system_fingerprint } : {}),
    };
    if (typeof record.usage === 'object' && record.usage !== null) this.usage = record.usage as CompletionUsage;

    const choices = Array.isArray(record.choices) ? (record.choices as Record<string, unknown>[]) : [];
    for (const choice of choices) {
      if (choice.logprobs !== null && choice.logprobs !== undefined) throw new UnassemblableStreamError('log probabilities are not cached');
      if (this.endpoint === 'chat.completions') this.addChatChoice(choice);
      else this.addTextChoice(choice);
    }
  }

  /** Returns the assembled object; throws when no chunk arrived or a choice never finished. */
  finish(): CompletionObject {
    if (this.header === undefined) throw new UnassemblableStreamError('the stream had no chunks');
    // A cached response without usage would replay without it, also to later non-streaming
    // requests whose clients read `usage`, so such a stream is not cached.
    if (this.usage === undefined) throw new UnassemblableStreamError('the stream carried no usage (stream_options.include_usage was not set)');
    const usage = { usage: this.usage };

    if (this.endpoint === 'chat.completions') {
      const choices = [...this.chatChoices.values()].sort((a, b) => a.index - b.index);
      requireFinished(choices);
      const completion: ChatCompletion = { ...this.header, object: 'chat.completion', choices, ...usage };
      return completion;
    }

    const choices = [...this.textChoices.values()].sort((a, b) => a.index - b.index);
    requireFinished(choices);
    const completion: TextCompletion = { ...this.header, object: 'text_completion', choices, ...usage };
    return completion;
  }

  private addChatChoice(choice: Record<string, unknown>): void {
    const index = Number(choice.index);
    let target = this.chatChoices.get(index);
    if (target === undefined) {
      // OpenAI's schema requires `refusal` on every message, null when the model did not refuse.
      target = { index, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: null };
      this.chatChoices.set(index, target);
    }

    const delta = (choice.delta ?? {}) as ChatDelta;
    if (typeof delta.role === 'string') target.message.role = delta.role;
    if (typeof delta.content === 'string') target.message.content = (target.message.content ?? '') + delta.content;
    if (typeof delta.refusal === 'string') target.message.refusal = (target.message.refusal ?? '') + delta.refusal;
    for (const call of delta.tool_calls ?? []) mergeToolCall(target.message, call);
    if (typeof choice.finish_reason === 'string') target.finish_reason = choice.finish_reason;
  }

  private addTextChoice(choice: Record<string, unknown>): void {
    const index = Number(choice.index);
    let target = this.textChoices.get(index);
    if (target === undefined) {
      target = { index, text: '', logprobs: null, finish_reason: null };
      this.textChoices.set(index, target);
    }

    if (typeof choice.text === 'string') target.text += choice.text;
    if (typeof choice.finish_reason === 'string') target.finish_reason = choice.finish_reason;
  }
}

/** Tool-call deltas carry an `index`; the first delta of a call has its id and name. */
function mergeToolCall(message: ChatCompletionChoice['message'], delta: ToolCall & { index: number }): void {
  message.tool_calls ??= [];
  const { index, ...fields } = delta;
  const existing = message.tool_calls[index];
  if (existing === undefined) {
    message.tool_calls[index] = { ...fields, function: { name: fields.function?.name ?? '', arguments: fields.function?.arguments ?? '' } };
    return;
  }

  if (fields.id !== undefined) existing.id = fields.id;
  if (fields.type !== undefined) existing.type = fields.type;
  const target = (existing.function ??= { name: '', arguments: '' });
  if (fields.function?.name !== undefined) target.name = (target.name ?? '') + fields.function.name;
  if (fields.function?.arguments !== undefined) target.arguments = (target.arguments ?? '') + fields.function.arguments;
}

function requireFinished(choices: readonly { finish_reason: string | null }[]): void {
  if (choices.length === 0) throw new UnassemblableStreamError('the stream had no choices');
  if (choices.some((choice) => choice.finish_reason === null)) throw new UnassemblableStreamError('a choice has no finish_reason');
}
