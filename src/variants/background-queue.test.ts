import { describe, expect, it } from 'vitest';

import { BackgroundQueue } from './background-queue.js';

describe('BackgroundQueue', () => {
  it('drops tasks beyond its bound', async () => {
    const errors: unknown[] = [];
    const queue = new BackgroundQueue({ concurrency: 1, maxPending: 1, onError: (error) => errors.push(error) });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const ran: number[] = [];

    const first = queue.offer(async () => {
      await blocked;
      ran.push(1);
    });
    const second = queue.offer(async () => {
      ran.push(2);
    });
    const third = queue.offer(async () => {
      ran.push(3);
    });
    release();
    await Promise.all([first, second]);

    expect(third).toBeUndefined();
    expect(queue.dropped).toBe(1);
    expect(ran).toEqual([1, 2]);
    expect(errors).toEqual([]);
  });

  it('reports task errors and keeps running', async () => {
    const errors: unknown[] = [];
    const queue = new BackgroundQueue({ concurrency: 1, maxPending: 4, onError: (error) => errors.push(error) });

    void queue.offer(async () => {
      throw new Error('replay failed');
    });
    const next = queue.offer(async () => {});
    await next;
    await queue.whenIdle();

    expect(errors).toEqual([new Error('replay failed')]);
  });
});
