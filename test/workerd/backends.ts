/** Backends of the Worker under test: one per behaviour of the loopback test double. */
export function workerdTestBackends(origin: string, closedPort: number) {
  return [
    { name: 'ok', baseURL: `${origin}/ok/v1`, models: ['mock-ok'] },
    {
      name: 'mapped',
      baseURL: `${origin}/renamed/v1`,
      models: ['mock-mapped'],
      parameterMap: { max_tokens: 'max_new_tokens', user: null },
      responseTransform: 'override-model',
    },
    { name: 'completions-only', baseURL: `${origin}/ok/v1`, models: ['mock-completions-only'], paths: { chatCompletions: null } },
    { name: 'overloaded', baseURL: `${origin}/overloaded/v1`, models: ['mock-overloaded'] },
    { name: 'rate-limited', baseURL: `${origin}/rate-limited/v1`, models: ['mock-rate-limited'] },
    { name: 'rejecting', baseURL: `${origin}/rejecting/v1`, models: ['mock-rejecting'] },
    { name: 'failing', baseURL: `${origin}/failing/v1`, models: ['mock-failing'] },
    { name: 'slow', baseURL: `${origin}/slow/v1`, models: ['mock-slow'], firstByteTimeoutMs: 300 },
    { name: 'stopped', baseURL: `http://127.0.0.1:${closedPort}/v1`, models: ['mock-stopped'] },
    // One model on a stopped and a working backend, for fallback and the passive circuit breaker.
    { name: 'fallback-stopped', baseURL: `http://127.0.0.1:${closedPort}/v1`, models: ['mock-fallback'] },
    { name: 'fallback-ok', baseURL: `${origin}/ok/v1`, models: ['mock-fallback'] },
  ];
}
