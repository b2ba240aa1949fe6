/**
 * Returns an AbortController that also aborts, with the same reason, when its parent signal
 * aborts.
 *
 * `AbortSignal.any` does the same, but in Node 20 each call builds one more signal with its own
 * bookkeeping. The router made two per backend attempt. In a Node profile that was about 5 % of
 * a gateway request's time, and a plain listener on the parent costs less. The parent keeps a
 * reference to the child until it aborts, so it must not outlive the request.
 */
export function childAbortController(parent: AbortSignal | undefined): AbortController {
  const child = new AbortController();
  if (parent === undefined) return child;
  if (parent.aborted) {
    child.abort(parent.reason);
    return child;
  }

  parent.addEventListener('abort', () => child.abort(parent.reason), { once: true });
  return child;
}
