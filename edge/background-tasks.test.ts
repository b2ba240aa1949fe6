import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

import { BackgroundTasks } from './background-tasks.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BackgroundTasks', () => {
  it('is the executionCtx of a Hono app called with it', async () => {
    const tasks = new BackgroundTasks();
    const task = deferred();
    const app = new Hono().get('/', (c) => {
      c.executionCtx.waitUntil(task.promise);
      return c.text('ok');
    });

    const response = await app.fetch(new Request('http://gateway.test/'), {}, tasks);

    expect(await response.text()).toBe('ok');
    expect(tasks.size).toBe(1);
    task.resolve();
    expect(await tasks.drain(1_000)).toBe(0);
  });

  it('forgets settled tasks, rejected ones included', async () => {
    const tasks = new BackgroundTasks();
    const failing = deferred();
    tasks.waitUntil(failing.promise);
    tasks.waitUntil(Promise.resolve());

    failing.reject(new Error('logged by its owner'));

    expect(await tasks.drain(1_000)).toBe(0);
    expect(tasks.size).toBe(0);
  });

  it('waits for tasks added while it drains', async () => {
    const tasks = new BackgroundTasks();
    const first = deferred();
    const second = deferred();
    tasks.waitUntil(
      first.promise.then(() => {
        tasks.waitUntil(second.promise);
      }),
    );

    const drained = tasks.drain(1_000);
    first.resolve();
    await Promise.resolve();
    setTimeout(second.resolve, 20);

    expect(await drained).toBe(0);
  });

  it('stops waiting after the timeout and reports what is left', async () => {
    const tasks = new BackgroundTasks();
    tasks.waitUntil(new Promise(() => undefined));

    expect(await tasks.drain(20)).toBe(1);
  });
});
