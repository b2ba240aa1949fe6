/**
 * The reliability run shared by `bench/reliability/run.ts` and its scaled-down CI test: real
 * stories260K backends as processes, one behind a delaying proxy, the Node gateway as a process
 * with authentication on, and many concurrent clients. Midway one backend is killed. Every
 * response is classified: its own correct greedy completion, a clean OpenAI-shaped error, a wrong
 * response (another request's text or request id), or an unclean failure.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { importLlama2c } from '../../gpu-backend/model-import/index.js';
import { validateErrorResponse } from '../../src/openai/generated/response-validators.js';
import { EventStreamParser } from '../../src/sse/event-stream-parser.js';
import { REPO_ROOT, residentMemoryMiB, startDelayProxy, startService, type ChildService, type DelayProxy } from './processes.js';

const MODEL_ID = 'stories260K';
const SHARED = path.resolve(REPO_ROOT, '../shared');
const ADMIN_TOKEN = 'reliability-admin-token-0123456789';

export interface ReliabilityOptions {
  requests: number;
  concurrency: number;
  /** Distinct prompts, taken from the starts of TinyStories validation stories. */
  distinctPrompts: number;
  /** Share of requests completed when the killed backend gets SIGKILL, from 0 to 1. */
  killAt: number;
  /** Delay the proxy adds before each request to the slow backend, in ms. */
  slowDelayMs: number;
  /** Stop sending new requests after this long, in ms. */
  timeLimitMs: number;
  /** Receives progress lines. */
  log: (line: string) => void;
}

export type Outcome = 'correct' | 'clean-error' | 'wrong' | 'unclean';

export interface ReliabilityResult {
  sent: number;
  outcomes: Record<Outcome, number>;
  /** Count of clean errors per HTTP status and code, e.g. `502 backend_unreachable`. */
  errorCodes: Record<string, number>;
  /** First few wrong or unclean responses, for diagnosis. */
  problems: string[];
  distinctReferences: number;
  /** Signal that ended the killed backend: SIGKILL once the kill happened, null if it never did. */
  killedBackendSignal: string | null;
  durationMs: number;
  latencyMs: { p50: number; p95: number; p99: number };
  /** Gateway RSS in MiB: first sample after warm-up, maximum, last, and ten samples spread over the run. */
  gatewayRssMiB: { first: number; max: number; last: number; samples: number; trace: number[] };
}

interface Job {
  index: number;
  prompt: string;
  maxTokens: number;
  stream: boolean;
}

export async function runReliability(options: ReliabilityOptions): Promise<ReliabilityResult> {
  const temporary = await mkdtemp(path.join(tmpdir(), 'slimgate-reliability-'));
  const services: ChildService[] = [];
  let proxy: DelayProxy | undefined;

  try {
    const modelDir = path.join(temporary, MODEL_ID);
    await importLlama2c({
      checkpointPath: path.join(SHARED, 'models/stories260K/stories260K.bin'),
      tokenizerPath: path.join(SHARED, 'models/stories260K/tok512.bin'),
      outDir: modelDir,
      modelId: MODEL_ID,
    });

    options.log('starting 3 backends');
    const backendEnv = { MODEL_DIR: modelDir, MODEL_ID, INTRA_OP_THREADS: '1', MAX_QUEUE: '256', LOG_LEVEL: 'warn' };
    const backends = await Promise.all([0, 1, 2].map(() => startService('gpu-backend/server/main.ts', backendEnv, '/health', 120_000)));
    services.push(...backends);
    const [steady, slowTarget, doomed] = backends as [ChildService, ChildService, ChildService];
    proxy = await startDelayProxy(slowTarget.url, options.slowDelayMs);

    const prompts = await loadPrompts(options.distinctPrompts);
    const jobs = Array.from({ length: options.requests }, (_, index): Job => ({
      index,
      prompt: prompts[index % prompts.length] as string,
      maxTokens: 8 + (index % 9),
      stream: index % 4 === 0,
    }));

    options.log('computing greedy references from a backend directly');
    const references = await computeReferences(steady.url, jobs);

    options.log('starting the gateway');
    const gateway = await startService(
      'edge/node.ts',
      {
        BACKENDS: JSON.stringify([
          { name: 'steady', baseURL: `${steady.url}/v1`, models: [MODEL_ID] },
          { name: 'slow', baseURL: `${proxy.url}/v1`, models: [MODEL_ID] },
          { name: 'doomed', baseURL: `${doomed.url}/v1`, models: [MODEL_ID] },
        ]),
        AUTH: 'on',
        ADMIN_TOKEN,
        RESULT_CACHE: 'off',
        HEALTH_CHECK_INTERVAL_MS: '500',
        CIRCUIT_COOL_DOWN_MS: '2000',
        RETRY_BASE_DELAY_MS: '20',
        FIRST_BYTE_TIMEOUT_MS: '30000',
        LOG_LEVEL: 'error',
      },
      '/health',
      60_000,
    );
    services.push(gateway);
    const apiKey = await createApiKey(gateway.url);

    return await drive(options, gateway, doomed, apiKey, jobs, references);
  } finally {
    for (const service of services) await service.kill();
    await proxy?.close();
    await rm(temporary, { recursive: true, force: true });
  }
}

async function drive(
  options: ReliabilityOptions,
  gateway: ChildService,
  doomed: ChildService,
  apiKey: string,
  jobs: readonly Job[],
  references: ReadonlyMap<string, string>,
): Promise<ReliabilityResult> {
  const outcomes: Record<Outcome, number> = { correct: 0, 'clean-error': 0, wrong: 0, unclean: 0 };
  const errorCodes: Record<string, number> = {};
  const problems: string[] = [];
  const latencies: number[] = [];
  const rss: number[] = [];

  const started = Date.now();
  const killAfter = Math.floor(options.requests * options.killAt);
  let next = 0;
  let completed = 0;
  let killed = false;

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sample = await residentMemoryMiB(gateway.pid);
      if (sample !== undefined) rss.push(sample);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  const client = async (): Promise<void> => {
    while (next < jobs.length && Date.now() - started < options.timeLimitMs) {
      const job = jobs[next] as Job;
      next += 1;

      const requestStart = performance.now();
      const verdict = await sendAndCheck(gateway.url, apiKey, job, references.get(referenceKey(job)) as string);
      latencies.push(performance.now() - requestStart);
      outcomes[verdict.outcome] += 1;
      if (verdict.errorCode !== undefined) errorCodes[verdict.errorCode] = (errorCodes[verdict.errorCode] ?? 0) + 1;
      if ((verdict.outcome === 'wrong' || verdict.outcome === 'unclean') && problems.length < 10) problems.push(`#${job.index}: ${verdict.detail}`);

      completed += 1;
      if (!killed && completed >= killAfter) {
        killed = true;
        options.log(`killing backend 'doomed' (pid ${doomed.pid}) after ${completed} requests`);
        await doomed.kill();
      }
      if (completed % 1_000 === 0) options.log(`${completed} requests answered`);
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, client));
  sampling = false;
  await sampler;

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  // The first second of samples covers start-up, so the baseline is taken after it.
  const baseline = rss[Math.min(rss.length - 1, 4)] ?? 0;

  return {
    sent: next,
    outcomes,
    errorCodes,
    problems,
    distinctReferences: new Set(references.values()).size,
    killedBackendSignal: doomed.process.signalCode,
    durationMs: Date.now() - started,
    latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
    gatewayRssMiB: {
      first: round(baseline),
      max: round(Math.max(...rss)),
      last: round(rss.at(-1) ?? 0),
      samples: rss.length,
      trace: Array.from({ length: 10 }, (_, index) => round(rss[Math.floor((index * (rss.length - 1)) / 9)] ?? 0)),
    },
  };
}

interface Verdict {
  outcome: Outcome;
  errorCode?: string;
  detail?: string;
}

async function sendAndCheck(gatewayUrl: string, apiKey: string, job: Job, reference: string): Promise<Verdict> {
  const requestId = `reliability-${job.index}`;
  let response: Response;
  try {
    response = await fetch(`${gatewayUrl}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: MODEL_ID, prompt: job.prompt, max_tokens: job.maxTokens, temperature: 0, stream: job.stream }),
    });
  } catch (error) {
    return { outcome: 'unclean', detail: `request failed: ${String(error)}` };
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { outcome: 'unclean', detail: `body failed after status ${response.status}: ${String(error)}` };
  }

  if (response.headers.get('x-request-id') !== requestId) {
    return { outcome: 'wrong', detail: `x-request-id ${String(response.headers.get('x-request-id'))} instead of ${requestId}` };
  }
  if (response.status !== 200) return classifyError(response.status, text);

  const completion = job.stream ? readStream(text) : readJson(text);
  if (completion.error !== undefined) return classifyErrorBody(response.status, completion.error);
  if (completion.text === undefined) return { outcome: 'unclean', detail: `unreadable 200 body: ${text.slice(0, 200)}` };
  if (completion.text !== reference) return { outcome: 'wrong', detail: `text ${JSON.stringify(completion.text)} instead of ${JSON.stringify(reference)}` };
  return { outcome: 'correct' };
}

function classifyError(status: number, text: string): Verdict {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { outcome: 'unclean', detail: `status ${status} with a non-JSON body: ${text.slice(0, 200)}` };
  }
  return classifyErrorBody(status, body);
}

function classifyErrorBody(status: number, body: unknown): Verdict {
  if (!validateErrorResponse(body)) return { outcome: 'unclean', detail: `status ${status} with a body not in OpenAI's error shape: ${JSON.stringify(body).slice(0, 200)}` };
  const code = (body as { error: { code: string | null } }).error.code;
  return { outcome: 'clean-error', errorCode: `${status} ${String(code)}` };
}

interface ReadCompletion {
  text?: string;
  error?: unknown;
}

function readJson(text: string): ReadCompletion {
  try {
    const body = JSON.parse(text) as { choices?: { text?: string }[] };
    return { text: body.choices?.[0]?.text };
  } catch {
    return {};
  }
}

/** Joins the text of a complete stream; a stream without `[DONE]` has no text. */
function readStream(text: string): ReadCompletion {
  let joined = '';
  let done = false;
  let error: unknown;
  const parser = new EventStreamParser((event) => {
    if (event.data === '[DONE]') {
      done = true;
      return;
    }
    const chunk = JSON.parse(event.data) as { error?: unknown; choices?: { text?: string }[] };
    if (chunk.error !== undefined) error = chunk;
    joined += chunk.choices?.[0]?.text ?? '';
  });
  parser.push(text);
  parser.end();

  if (error !== undefined) return { error };
  return done ? { text: joined } : {};
}

function referenceKey(job: Job): string {
  return `${job.maxTokens}\u0000${job.prompt}`;
}

async function computeReferences(backendUrl: string, jobs: readonly Job[]): Promise<Map<string, string>> {
  const references = new Map<string, string>();
  const unique = new Map(jobs.map((job) => [referenceKey(job), job]));
  const pending = [...unique.values()];

  const worker = async () => {
    for (let job = pending.pop(); job !== undefined; job = pending.pop()) {
      const response = await fetch(`${backendUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_ID, prompt: job.prompt, max_tokens: job.maxTokens, temperature: 0 }),
      });
      if (!response.ok) throw new Error(`Reference request failed with status ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { choices: { text: string }[] };
      references.set(referenceKey(job), body.choices[0]?.text ?? '');
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return references;
}

/** Returns the first words of TinyStories validation stories as short, varied prompts. */
async function loadPrompts(count: number): Promise<string[]> {
  const text = await readFile(path.join(SHARED, 'data/tinystories/validation-first-1000.txt'), 'utf8');
  const stories = text.split('<|endoftext|>').map((story) => story.trim()).filter((story) => story !== '');
  return stories.slice(0, count).map((story, index) => story.split(/\s+/).slice(0, 3 + (index % 6)).join(' '));
}

async function createApiKey(gatewayUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant_id: 'reliability' }),
  });
  if (response.status !== 201) throw new Error(`Creating the API key failed with status ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
