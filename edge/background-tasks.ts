/**
 * The Node entry's `ExecutionContext`. Work that middleware hands to `waitUntil` after a response
 * (metrics records, result cache writes, coalesced flights) keeps running, as any promise does in
 * Node, and `drain` lets a shutdown wait for it instead of cutting it off.
 *
 * Passing a context also spares each request the exception that Hono's `executionCtx` getter
 * throws when an app is called without one.
 */

import type { ExecutionContext } from 'hono';

export class BackgroundTasks implements ExecutionContext {
  /** Tasks not yet settled. Each removes itself when it settles, so the set holds only live work. */
  private readonly pending = new Set<Promise<void>>();
  readonly props: Record<string, never> = {};

  waitUntil(task: Promise<unknown>): void {
    // Callers log their own failures; this only keeps track of when the task is done.
    const settled: Promise<void> = task.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** Does nothing, because in Node no origin server is behind the app to take over after an exception. */
  passThroughOnException(): void {}

  /** Number of tasks still running. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Waits until every task has settled, tasks added meanwhile included, or until `timeoutMs` has
   * passed. Resolves with the number of tasks still running then.
   */
  async drain(timeoutMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)));
    try {
      while (this.pending.size > 0) {
        if ((await Promise.race([Promise.all(this.pending), expired])) === 'expired') break;
      }
    } finally {
      clearTimeout(timer);
    }
    return this.pending.size;
  }
}
