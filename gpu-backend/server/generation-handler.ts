/**
 * Runs a parsed generation request on the engine and renders it as one JSON response or as a
 * server-sent event stream of OpenAI chunks ending with `data: [DONE]`.
 *
 * Both kinds of response carry the engine's `started` event as the `slimgate-queue-time-ms` and
 * `slimgate-batch-size` headers, so a stream's headers wait for that event, which the batching
 * engine sends together with the first token.
 */

import { randomBytes } from 'node:crypto';

import type { Logger } from '../../src/log/logger.js';
import { BATCH_SIZE_HEADER, QUEUE_TIME_HEADER } from '../../src/middleware/metrics/index.js';
import { ApiError, errorResponse } from '../../src/openai/errors.js';
import type { Engine, FinishReason, GenerationEvent, StartedEvent } from '../runtime/generation.js';
import type { ParsedGenerationRequest } from './generation-request.js';
import { overloadedToApiError } from './overload-error.js';
import { createRequestSignal, timeoutToApiError, type RequestSignal } from './request-signal.js';
import type { CompletedChoice, ResponseFormat, ResponseMeta, Usage } from './response-format.js';

export interface GenerationContext {
  engine: Engine;
  modelId: string;
  format: ResponseFormat;
  logger: Logger;
  /** The client's signal, aborted when its connection closes. */
  clientSignal: AbortSignal;
  requestTimeoutMs: number;
  /** Headers added to every response, such as `x-request-id`. */
  headers: Record<string, string>;
}

const encoder = new TextEncoder();

export async function handleGeneration(request: ParsedGenerationRequest, context: GenerationContext): Promise<Response> {
  const meta: ResponseMeta = { id: context.format.idPrefix + randomId(), created: Math.floor(Date.now() / 1000), model: context.modelId };
  const cancellation = createRequestSignal(context.clientSignal, context.requestTimeoutMs);

  let events: AsyncIterable<GenerationEvent>;
  try {
    events = context.engine.generate(request, cancellation.signal);
  } catch (error) {
    cancellation.dispose();
    throw overloadedToApiError(error);
  }

  if (request.stream) return streamResponse(request, events, meta, context, cancellation);

  try {
    const { choices, completionTokens, started } = await collect(events, request.choices.length, context.format);
    const usage = makeUsage(request.promptTokens, completionTokens);
    context.logger.info({ responseId: meta.id, ...usage }, 'generation completed');
    return Response.json(context.format.response(meta, choices, usage), { headers: { ...context.headers, ...schedulingHeaders(started) } });
  } catch (error) {
    throw toRequestError(error, cancellation.signal, context.logger);
  } finally {
    cancellation.dispose();
  }
}

/** Converts a generation failure into what the route throws: a 504 on timeout, a 499 after a disconnect. */
function toRequestError(error: unknown, signal: AbortSignal, logger: Logger): unknown {
  const apiError = timeoutToApiError(error);
  if (signal.aborted && !(apiError instanceof ApiError)) return clientClosedError(signal.reason, logger);
  return apiError;
}

/** Headers read by the gateway's metrics middleware; none when the engine sent no `started` event. */
function schedulingHeaders(started: StartedEvent | undefined): Record<string, string> {
  if (started === undefined) return {};
  const headers: Record<string, string> = { [QUEUE_TIME_HEADER]: (started.queueSeconds * 1000).toFixed(3) };
  if (started.batchSize !== null) headers[BATCH_SIZE_HEADER] = String(started.batchSize);
  return headers;
}

/**
 * Logs a client disconnect and returns its error. The client never reads this response, so the
 * status is nginx's 499 (client closed request), which keeps these out of the 5xx counts.
 */
function clientClosedError(reason: unknown, logger: Logger): ApiError {
  logger.info({ reason: String(reason) }, 'request cancelled by the client');
  return new ApiError('The client closed the connection before generation finished.', {
    status: 499,
    type: 'invalid_request_error',
    code: 'client_closed_request',
  });
}

async function collect(
  events: AsyncIterable<GenerationEvent>,
  choiceCount: number,
  format: ResponseFormat,
): Promise<{ choices: CompletedChoice[]; completionTokens: number; started: StartedEvent | undefined }> {
  const texts: string[][] = Array.from({ length: choiceCount }, () => []);
  const filters = Array.from({ length: choiceCount }, () => format.createTextFilter());
  const finishReasons: (FinishReason | undefined)[] = new Array(choiceCount);
  let completionTokens = 0;
  let started: StartedEvent | undefined;

  for await (const event of events) {
    if (event.type === 'started') {
      started = event;
    } else if (event.type === 'delta') {
      texts[event.index]!.push(filters[event.index]!(event.text));
    } else {
      finishReasons[event.index] = event.finishReason;
      completionTokens += event.completionTokens;
    }
  }

  const choices = texts.map((parts, index) => {
    const finishReason = finishReasons[index];
    if (finishReason === undefined) throw new Error(`the engine ended without finishing choice ${index}`);
    return { text: parts.join(''), finishReason };
  });
  return { choices, completionTokens, started };
}

async function streamResponse(
  request: ParsedGenerationRequest,
  events: AsyncIterable<GenerationEvent>,
  meta: ResponseMeta,
  context: GenerationContext,
  cancellation: RequestSignal,
): Promise<Response> {
  const { format, logger } = context;
  const includeUsage = request.includeUsage;

  // The headers wait for the engine's first event, which is `started` (queue time and batch
  // size). The first token is not delayed, because no engine sends `started` after it, and a
  // failure before `started` still gets its own status code instead of an error event.
  const iterator = events[Symbol.asyncIterator]();
  let first: IteratorResult<GenerationEvent>;
  try {
    first = await iterator.next();
  } catch (error) {
    cancellation.dispose();
    throw toRequestError(error, cancellation.signal, logger);
  }
  const started = first.done !== true && first.value.type === 'started' ? first.value : undefined;
  const pendingEvent = first.done !== true && started === undefined ? first.value : undefined;
  const remainingEvents: AsyncIterable<GenerationEvent> = { [Symbol.asyncIterator]: () => iterator };

  let cancelled = false;

  const pump = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    const send = (payload: object | string): void => {
      if (cancelled) return;
      controller.enqueue(encoder.encode(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`));
    };
    const filters = request.choices.map(() => format.createTextFilter());
    let completionTokens = 0;
    const render = (event: GenerationEvent): void => {
      if (event.type === 'delta') {
        const text = filters[event.index]!(event.text);
        if (text.length > 0) send(format.deltaChunk(meta, event.index, text, includeUsage));
      } else if (event.type === 'finish') {
        completionTokens += event.completionTokens;
        send(format.finishChunk(meta, event.index, event.finishReason, includeUsage));
      }
    };

    try {
      for (const chunk of format.openingChunks(meta, request.choices.length, includeUsage)) send(chunk);
      if (pendingEvent !== undefined) render(pendingEvent);
      for await (const event of remainingEvents) render(event);

      const usage = makeUsage(request.promptTokens, completionTokens);
      if (includeUsage) send(format.usageChunk(meta, usage));
      send('[DONE]');
      logger.info({ responseId: meta.id, stream: true, ...usage }, 'generation completed');
    } catch (error) {
      const apiError = timeoutToApiError(error);
      if (cancellation.signal.aborted && !(apiError instanceof ApiError)) {
        logger.info({ responseId: meta.id, reason: String(cancellation.signal.reason) }, 'stream cancelled by the client');
        return;
      }

      // The status line is already sent, so the error travels as a final event in OpenAI's shape.
      logger.error({ responseId: meta.id, err: error }, 'stream failed');
      send((await errorResponse(apiError).json()) as object);
    } finally {
      cancellation.dispose();
      if (!cancelled) controller.close();
    }
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      void pump(controller);
    },
    cancel(reason) {
      cancelled = true;
      cancellation.abort(reason ?? new Error('the client cancelled the stream'));
    },
  });

  return new Response(body, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...context.headers, ...schedulingHeaders(started) },
  });
}

function makeUsage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** Returns 24 URL-safe random characters (144 random bits). */
function randomId(): string {
  return randomBytes(18).toString('base64url');
}
