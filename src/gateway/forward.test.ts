import { describe, expect, it } from 'vitest';

import { ApiError } from '../openai/errors.js';
import { parseBackends, type Backend } from './backend.js';
import { applyParameterMap, forwardToBackend, type FetchFunction, type ForwardRequest } from './forward.js';

const [LOCAL] = parseBackends([{ name: 'local', baseURL: 'http://127.0.0.1:8000/v1', models: ['stories260K'] }]) as [Backend];

interface Call {
  url: string;
  init: RequestInit;
}

function recordingFetch(respond: (call: Call) => Response | Promise<Response>): { fetch: FetchFunction; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      const call = { url, init };
      calls.push(call);
      return respond(call);
    },
  };
}

/** A fetch that never responds but rejects when its signal aborts, as the real fetch does. */
const hangingFetch: FetchFunction = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
  });

function request(overrides: Partial<ForwardRequest>): ForwardRequest {
  return {
    backend: LOCAL,
    endpoint: 'completions',
    body: { model: 'stories260K', prompt: 'Once' },
    requestId: 'req-42',
    firstByteTimeoutMs: 1_000,
    fetch: hangingFetch,
    ...overrides,
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('forwardToBackend', () => {
  it('posts the body with the request id', async () => {
    const { fetch, calls } = recordingFetch(() => Response.json({ id: 'cmpl-1' }));

    const reply = await forwardToBackend(request({ fetch }));

    expect(calls[0]?.url).toBe('http://127.0.0.1:8000/v1/completions');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'x-request-id': 'req-42' });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ model: 'stories260K', prompt: 'Once' });
    expect(reply.status).toBe(200);
    expect(reply.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('hands on the backend stream unchanged', async () => {
    const backendResponse = new Response('data: {}\n\ndata: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream', 'content-encoding': 'identity' } });
    const { fetch, calls } = recordingFetch(() => backendResponse);

    const reply = await forwardToBackend(request({ fetch, endpoint: 'chat.completions', body: { model: 'stories260K', messages: [], stream: true } }));

    expect(calls[0]?.url).toBe('http://127.0.0.1:8000/v1/chat/completions');
    expect((calls[0]?.init.headers as Record<string, string>).accept).toBe('text/event-stream');
    expect(reply.body).toBe(backendResponse.body);
    expect(reply.headers).toEqual({ 'content-type': 'text/event-stream' });
  });

  it('passes on the scheduling headers for metrics', async () => {
    const headers = { 'content-type': 'application/json', 'slimgate-queue-time-ms': '12.500', 'slimgate-batch-size': '3', 'x-internal': 'dropped' };
    const { fetch } = recordingFetch(() => new Response('{}', { headers }));

    const reply = await forwardToBackend(request({ fetch }));

    expect(reply.headers).toEqual({ 'content-type': 'application/json', 'slimgate-queue-time-ms': '12.500', 'slimgate-batch-size': '3' });
  });

  it('applies the response transform', async () => {
    const backend = { ...LOCAL, responseTransform: 'override-model' as const };
    const { fetch } = recordingFetch(() => Response.json({ id: 'cmpl-1', model: '/models/x.onnx' }));

    const reply = await forwardToBackend(request({ fetch, backend }));

    expect(JSON.parse(String(reply.body))).toEqual({ id: 'cmpl-1', model: 'stories260K' });
  });

  it('reports invalid JSON from a transformed backend', async () => {
    const backend = { ...LOCAL, responseTransform: 'override-model' as const };
    const { fetch } = recordingFetch(() => new Response('not json', { headers: { 'content-type': 'application/json' } }));

    const error = await rejectionOf(forwardToBackend(request({ fetch, backend })));

    expect(error.status).toBe(502);
    expect(error.code).toBe('invalid_backend_response');
  });

  it('times out without response headers', async () => {
    const error = await rejectionOf(forwardToBackend(request({ firstByteTimeoutMs: 20 })));

    expect(error.status).toBe(504);
    expect(error.message).toBe("The backend 'local' did not start responding within 20 ms.");
  });

  it('prefers the backend timeout', async () => {
    const error = await rejectionOf(forwardToBackend(request({ backend: { ...LOCAL, firstByteTimeoutMs: 10 }, firstByteTimeoutMs: 60_000 })));

    expect(error.status).toBe(504);
    expect(error.message).toContain('within 10 ms');
  });

  it('maps a connection failure to 502', async () => {
    const refused: FetchFunction = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8000') }));

    const error = await rejectionOf(forwardToBackend(request({ fetch: refused })));

    expect(error.status).toBe(502);
    expect(error.code).toBe('backend_unreachable');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('reports a client that went away', async () => {
    const client = new AbortController();
    const pending = forwardToBackend(request({ clientSignal: client.signal }));
    client.abort();

    const error = await rejectionOf(pending);

    expect(error.status).toBe(499);
  });

  it('rejects an endpoint the backend does not serve', async () => {
    const backend = { ...LOCAL, paths: { completions: '/completions', chatCompletions: null } };

    const error = await rejectionOf(forwardToBackend(request({ backend, endpoint: 'chat.completions', body: { model: 'stories260K', messages: [] } })));

    expect(error.status).toBe(404);
    expect(error.message).toBe("The model 'stories260K' is not served on /v1/chat/completions.");
  });

  it('passes a backend 4xx on', async () => {
    const { fetch } = recordingFetch(() =>
      Response.json({ error: { message: 'Prompt too long.', type: 'invalid_request_error', param: 'prompt', code: 'context_length_exceeded' } }, { status: 400 }),
    );

    const error = await rejectionOf(forwardToBackend(request({ fetch })));

    expect(error.toJSON()).toEqual({ error: { message: 'Prompt too long.', type: 'invalid_request_error', param: 'prompt', code: 'context_length_exceeded' } });
    expect(error.status).toBe(400);
  });

  it('wraps a plain-text 4xx', async () => {
    const { fetch } = recordingFetch(() => new Response('Unprocessable prompt', { status: 422 }));

    const error = await rejectionOf(forwardToBackend(request({ fetch })));

    expect(error.status).toBe(422);
    expect(error.toJSON().error).toEqual({ message: 'Unprocessable prompt', type: 'invalid_request_error', param: null, code: null });
  });

  it('maps overload to 503 with Retry-After', async () => {
    for (const status of [503, 429]) {
      const { fetch } = recordingFetch(() => new Response('{"error":{"message":"Queue full."}}', { status, headers: { 'retry-after': '2' } }));

      const error = await rejectionOf(forwardToBackend(request({ fetch })));

      expect(error.status).toBe(503);
      expect(error.headers).toEqual({ 'retry-after': '2' });
      expect(error.message).toBe("The backend 'local' is overloaded: Queue full. Retry later.");
    }
  });

  it('maps other failures to 502', async () => {
    const { fetch } = recordingFetch(() => new Response('x'.repeat(200_000), { status: 500 }));

    const error = await rejectionOf(forwardToBackend(request({ fetch })));

    expect(error.status).toBe(502);
    expect(error.code).toBe('backend_error');
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('applyParameterMap', () => {
  it('renames and drops fields', () => {
    const mapped = applyParameterMap({ model: 'm', max_tokens: 5, user: 'u', stream: true }, { max_tokens: 'max_new_tokens', user: null });

    expect(mapped).toEqual({ model: 'm', max_new_tokens: 5, stream: true });
  });

  it('ignores inherited keys', () => {
    expect(applyParameterMap({ toString: 1 }, {})).toEqual({ toString: 1 });
  });
});
