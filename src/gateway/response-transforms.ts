/**
 * Named transforms for non-streaming JSON responses, selectable from backend configuration.
 *
 * Configuration is JSON, so it names a transform rather than containing code. Streams pass
 * through unchanged: rewriting them would mean parsing every server-sent event.
 */

export const RESPONSE_TRANSFORM_NAMES = ['override-model'] as const;

export type ResponseTransformName = (typeof RESPONSE_TRANSFORM_NAMES)[number];

export interface ResponseTransformContext {
  /** The model id the client requested. */
  model: string;
}

type ResponseTransform = (body: unknown, context: ResponseTransformContext) => unknown;

const TRANSFORMS: Record<ResponseTransformName, ResponseTransform> = {
  // Backends that report a file path or an internal name as `model` get the id the client used.
  'override-model': (body, { model }) => (isRecord(body) && typeof body.model === 'string' ? { ...body, model } : body),
};

/** Applies the named transform to a parsed response body. */
export function applyResponseTransform(name: ResponseTransformName, body: unknown, context: ResponseTransformContext): unknown {
  return TRANSFORMS[name](body, context);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
