import { describe, expect, it } from 'vitest';

import { childAbortController } from './child-abort-controller.js';

describe('childAbortController', () => {
  it('aborts with the parent reason', () => {
    const parent = new AbortController();
    const child = childAbortController(parent.signal);
    const reason = new Error('client gone');

    parent.abort(reason);

    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe(reason);
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort('gone');

    expect(childAbortController(parent.signal).signal.reason).toBe('gone');
  });

  it('leaves the parent alone when aborted itself', () => {
    const parent = new AbortController();
    const child = childAbortController(parent.signal);

    child.abort('timeout');
    parent.abort('later');

    expect(parent.signal.reason).toBe('later');
    expect(child.signal.reason).toBe('timeout');
  });

  it('works without a parent', () => {
    const child = childAbortController(undefined);

    expect(child.signal.aborted).toBe(false);
    child.abort('timeout');
    expect(child.signal.aborted).toBe(true);
  });
});
