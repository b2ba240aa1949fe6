/**
 * Keeps work that runs after the response alive: workerd cancels pending promises once the
 * response is done unless they are passed to `executionCtx.waitUntil`; Node keeps them running.
 */

import type { Context } from 'hono';

/** Hands `task` to the Worker's `waitUntil`, or leaves it running in Node where there is none. */
export function waitUntil(c: Context, task: Promise<unknown>): void {
  const executionContext = hasExecutionContext(c) ? c.executionCtx : undefined;
  executionContext?.waitUntil(task);
}

function hasExecutionContext(c: Context): boolean {
  // Hono's `executionCtx` getter throws when the app was called without one (Node, app.request).
  try {
    return typeof c.executionCtx.waitUntil === 'function';
  } catch (error) {
    if (error instanceof Error && /ExecutionContext/.test(error.message)) return false;
    throw error;
  }
}
