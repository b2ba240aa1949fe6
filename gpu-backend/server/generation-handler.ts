/**
 * Runs a parsed generation request on the engine and renders it as one JSON response or as a
 * server-sent event stream of OpenAI chunks ending with `data: [DONE]`.
 */

import { randomBytes } from 'node:crypto';

import type { Logger } from '../../src/log/logger.js';
import { ApiError, errorResponse } from '../../src/openai/errors.js';
import type { Engine, FinishReason, GenerationEvent } from '../runtime/generation.js';
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
    const { choices, completionTokens } = await collect(events, request.choices.length, context.format);
    const usage = makeUsage(request.promptTokens, completionTokens);
    context.logger.info({ responseId: meta.id, ...usage }, 'generation completed');
    return Response.json(context.format.response(meta, choices, usage), { headers: context.headers });
  } catch (error) {
    const apiError = timeoutToApiError(error);
    if (cancellation.signal.aborted && !(apiError instanceof ApiError)) throw clientClosedError(cancellation.signal.reason, context.logger);
    throw apiError;
  } finally {
    cancellation.dispose();
  }
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
): Promise<{ choices: CompletedChoice[]; completionTokens: number }> {
  const texts: string[][] = Array.from({ length: choiceCount }, () => []);
  const filters = Array.from({ length: choiceCount }, () => format.createTextFilter());
  const finishReasons: (FinishReason | undefined)[] = new Array(choiceCount);
  let completionTokens = 0;

  for await (const event of events) {
    if (event.type === 'delta') {
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
  return { choices, completionTokens };
}

function streamResponse(
  request: ParsedGenerationRequest,
  events: AsyncIterable<GenerationEvent>,
  meta: ResponseMeta,
  context: GenerationContext,
  cancellation: RequestSignal,
): Response {
  const { format, logger } = context;
  const includeUsage = request.includeUsage;

  let cancelled = false;

  const pump = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    const send = (payload: object | string): void => {
      if (cancelled) return;
      controller.enqueue(encoder.encode(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`));
    };
    const filters = request.choices.map(() => format.createTextFilter());
    let completionTokens = 0;

    try {
      for (const chunk of format.openingChunks(meta, request.choices.length, includeUsage)) send(chunk);
      for await (const event of events) {
        if (event.type === 'delta') {
          const text = filters[event.index]!(event.text);
          if (text.length > 0) send(format.deltaChunk(meta, event.index, text, includeUsage));
        } else {
          completionTokens += event.completionTokens;
          send(format.finishChunk(meta, event.index, event.finishReason, includeUsage));
        }
      }

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
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...context.headers },
  });
}

function makeUsage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** Returns 24 URL-safe random characters (144 random bits). */
function randomId(): string {
  return randomBytes(18).toString('base64url');
}
