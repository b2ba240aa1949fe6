/**
 * Variant selection middleware: for a model with several deployed variants, picks the one that
 * serves the request (src/variants/variant-router.ts) and stores it in `c.var.variant`.
 */

import type { MiddlewareHandler } from 'hono';

import type { VariantRouter } from '../../variants/variant-router.js';

export interface VariantSelectVariables {
  /** Set by validateOpenAI; the middleware reads its `model`. */
  openaiRequest?: { model: string };
  /** The chosen variant; unset when the model has no variants or is unknown. */
  variant?: string;
}

export interface VariantSelectOptions {
  router: VariantRouter;
}

/**
 * Creates middleware that sets `c.var.variant`; place it after validateOpenAI, which sets the
 * parsed request.
 *
 * @example
 * app.post('/v1/completions', validateOpenAI({ endpoint: 'completions' }), variantSelect({ router }), handler);
 */
export function variantSelect(options: VariantSelectOptions): MiddlewareHandler<{ Variables: VariantSelectVariables }> {
  const router = options?.router;
  if (typeof router?.choose !== 'function') throw new TypeError('variantSelect: options.router must be a VariantRouter.');

  return async function variantSelectMiddleware(c, next) {
    const model = c.get('openaiRequest')?.model;
    const choice = model === undefined ? undefined : router.choose(model);
    if (choice !== undefined) c.set('variant', choice.variant);
    await next();
  };
}
