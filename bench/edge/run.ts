/**
 * Edge gateway overhead: the whole pipeline (validation, auth, limits, result cache lookup and
 * capture, coalescing, routing, metrics, access log) in front of a loopback upstream, against the
 * same upstream called directly. The load generator, the upstream and the first gateway share one
 * process; a second run starts the gateway in a child process of its own. A bare forwarder in its
 * own process (node:http and undici, no gateway logic) shows the floor that any Node gateway
 * adds on the machine. Every request has a unique prompt, so each one misses the cache and is
 * forwarded.
 *
 *   npx tsx bench/edge/run.ts [--json out.json] [--quick] [--no-workerd]
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { pino } from 'pino';
import { unstable_startWorker } from 'wrangler';

import { startNodeGateway } from '../../edge/node.js';
import { startBatchBackend } from '../../test/e2e/batch-backend.js';
import { startGatewayProcess, startServerProcess } from './gateway-process.js';
import { percentile, runLoad, type LoadResult } from './load.js';
import { startBenchUpstream } from './upstream.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonIndex = args.indexOf('--json');
const jsonPath = jsonIndex === -1 ? undefined : args[jsonIndex + 1];
const withWorkerd = !args.includes('--no-workerd');

// Miniflare would otherwise download request.cf data, and wrangler would send usage metrics; the
// benchmark reaches only loopback.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_SEND_METRICS ??= 'false';

const MODEL = 'bench-model';
const CONCURRENCIES = [1, 32];
const REQUESTS = quick ? { 1: 300, 32: 2_000 } : { 1: 2_000, 32: 10_000 };
const MAX_SECONDS = quick ? 3 : 8;
const WARMUP_REQUESTS = 300;

/** Public figures of the Portkey gateway on a comparable 2-core machine, for the ratio column. */
const PORTKEY_REQUESTS_PER_SECOND = 850;

interface Row {
  target: string;
  mode: 'json' | 'stream';
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  firstBytep50Ms: number;
  requestsPerSecond: number;
  addedP50Ms?: number;
  addedP99Ms?: number;
  addedFirstByteP50Ms?: number;
  errors: number;
}

let run = 0;
function body(stream: boolean) {
  run += 1;
  const prefix = `${run}-${Date.now()}`;
  return (index: number) =>
    JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `Tell story ${prefix}-${index}` }], max_tokens: 8, temperature: 0, stream });
}

function summarize(target: string, mode: Row['mode'], concurrency: number, result: LoadResult): Row {
  return {
    target,
    mode,
    concurrency,
    p50Ms: percentile(result.latencies, 0.5),
    p99Ms: percentile(result.latencies, 0.99),
    firstBytep50Ms: percentile(result.firstByte, 0.5),
    requestsPerSecond: result.requestsPerSecond,
    errors: result.errors,
  };
}

async function measure(target: string, url: string, rows: Row[], baselines: Map<string, Row>): Promise<void> {
  for (const mode of ['json', 'stream'] as const) {
    await runLoad({ url, concurrency: 8, requests: WARMUP_REQUESTS, maxSeconds: 3, body: body(mode === 'stream') });
    for (const concurrency of CONCURRENCIES) {
      const result = await runLoad({ url, concurrency, requests: REQUESTS[concurrency as 1 | 32], maxSeconds: MAX_SECONDS, body: body(mode === 'stream') });
      const row = summarize(target, mode, concurrency, result);
      const baseline = baselines.get(`${mode}:${concurrency}`);
      if (baseline === undefined) baselines.set(`${mode}:${concurrency}`, row);
      else {
        row.addedP50Ms = row.p50Ms - baseline.p50Ms;
        row.addedP99Ms = row.p99Ms - baseline.p99Ms;
        row.addedFirstByteP50Ms = row.firstBytep50Ms - baseline.firstBytep50Ms;
      }
      rows.push(row);
    }
  }
}

async function measureCoalescing(url: string, upstreamCalls: () => number): Promise<{ header: string; requests: number; backendCalls: number; requestsPerSecond: number }[]> {
  const results = [];
  for (const header of ['no-store', 'no-cache']) {
    // Every request in one wave is identical; no-cache keeps the result cache out of the way.
    let wave = 0;
    const before = upstreamCalls();
    const result = await runLoad({
      url,
      concurrency: 32,
      requests: quick ? 640 : 3_200,
      maxSeconds: MAX_SECONDS,
      headers: { 'x-slimgate-cache': header },
      body: (index) => {
        wave = Math.floor(index / 32);
        return JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `Same story ${run}-${wave}` }], max_tokens: 8, temperature: 0, stream: true });
      },
    });
    run += 1;
    results.push({ header, requests: result.completed, backendCalls: upstreamCalls() - before, requestsPerSecond: result.requestsPerSecond });
  }
  return results;
}

/** Node gateway with and without BATCHING in front of the batch-capable test backend, 32 clients. */
async function measureBatching(logger: Parameters<typeof startNodeGateway>[0]['logger']) {
  const backend = await startBatchBackend();
  const backends = JSON.stringify([{ name: 'batched', baseURL: backend.baseURL, models: [MODEL] }]);
  const results = [];
  try {
    for (const batching of [undefined, { batched: { maxBatchSize: 16, maxDelayMs: 2 } }]) {
      const variables: Record<string, string> = { BACKENDS: backends, RESULT_CACHE: 'off', COALESCING: 'off', TOTAL_TIMEOUT_MS: '60000' };
      if (batching !== undefined) variables.BATCHING = JSON.stringify(batching);
      const gateway = await startNodeGateway({ variables, hostname: '127.0.0.1', port: 0, logger });
      try {
        const directBefore = backend.directCalls;
        const batchesBefore = backend.batchSizes.length;
        const result = await runLoad({ url: `${gateway.url}/v1/chat/completions`, concurrency: 32, requests: quick ? 1_000 : 4_000, maxSeconds: MAX_SECONDS, body: body(false) });
        const sizes = backend.batchSizes.slice(batchesBefore);
        results.push({
          batching: batching === undefined ? 'off' : 'maxBatchSize 16, maxDelayMs 2',
          requests: result.completed,
          backendCalls: backend.directCalls - directBefore + sizes.length,
          meanBatchSize: sizes.length === 0 ? 1 : sizes.reduce((sum, size) => sum + size, 0) / sizes.length,
          requestsPerSecond: result.requestsPerSecond,
          p50Ms: percentile(result.latencies, 0.5),
        });
      } finally {
        await gateway.close();
      }
    }
  } finally {
    await backend.close();
  }
  return results;
}

function format(value: number | undefined, digits = 3): string {
  return value === undefined || Number.isNaN(value) ? '' : value.toFixed(digits);
}

async function main(): Promise<void> {
  const upstream = await startBenchUpstream();
  const backends = JSON.stringify([{ name: 'bench', baseURL: `${upstream.origin}/v1`, models: [MODEL] }]);
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const gateway = await startNodeGateway({ variables: { BACKENDS: backends, TOTAL_TIMEOUT_MS: '60000' }, hostname: '127.0.0.1', port: 0, logger });

  const rows: Row[] = [];
  const baselines = new Map<string, Row>();
  let coalescing: Awaited<ReturnType<typeof measureCoalescing>> = [];
  let batching: Awaited<ReturnType<typeof measureBatching>> = [];
  try {
    await measure('upstream direct', `${upstream.origin}/v1/chat/completions`, rows, baselines);
    // The floor: one more Node HTTP server and undici client, with no gateway logic.
    const forwarder = await startServerProcess('bench/edge/bare-forwarder.ts', { UPSTREAM_ORIGIN: upstream.origin });
    try {
      await measure('bare forwarder (Node, own process)', `${forwarder.url}/v1/chat/completions`, rows, baselines);
    } finally {
      await forwarder.close();
    }
    await measure('gateway (Node)', `${gateway.url}/v1/chat/completions`, rows, baselines);
    // The same gateway in a child process: its event loop no longer serves the load generator and
    // the upstream too, which is the setting of per-thread figures such as Portkey's.
    const separate = await startGatewayProcess({ BACKENDS: backends, TOTAL_TIMEOUT_MS: '60000' });
    try {
      await measure('gateway (Node, own process)', `${separate.url}/v1/chat/completions`, rows, baselines);
    } finally {
      await separate.close();
    }
    coalescing = await measureCoalescing(`${gateway.url}/v1/chat/completions`, () => upstream.calls);
    batching = await measureBatching(logger);

    if (withWorkerd) {
      const worker = await unstable_startWorker({
        config: path.resolve('wrangler.toml'),
        bindings: { BACKENDS: { type: 'plain_text', value: backends }, LOG_LEVEL: { type: 'plain_text', value: 'warn' } },
        dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'error' },
        sendMetrics: false,
      });
      try {
        await worker.ready;
        await measure('gateway (workerd)', `${(await worker.url).href.replace(/\/$/, '')}/v1/chat/completions`, rows, baselines);
      } finally {
        await worker.dispose();
      }
    }
  } finally {
    await gateway.close();
    await upstream.close();
  }

  console.log('| target | mode | concurrency | p50 ms | p99 ms | first byte p50 ms | req/s | added p50 ms | added p99 ms | added first byte ms | req/s ÷ Portkey 850 | errors |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const ratio = row.target !== 'upstream direct' ? format(row.requestsPerSecond / PORTKEY_REQUESTS_PER_SECOND, 2) : '';
    console.log(
      `| ${row.target} | ${row.mode} | ${row.concurrency} | ${format(row.p50Ms)} | ${format(row.p99Ms)} | ${format(row.firstBytep50Ms)} | ${format(row.requestsPerSecond, 0)} | ${format(row.addedP50Ms)} | ${format(row.addedP99Ms)} | ${format(row.addedFirstByteP50Ms)} | ${ratio} | ${row.errors} |`,
    );
  }

  console.log('\nIdentical concurrent streams (32 clients, waves of 32 identical requests), Node gateway:');
  console.log('| x-slimgate-cache | coalescing | requests | backend calls | req/s |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const entry of coalescing) {
    console.log(`| ${entry.header} | ${entry.header === 'no-store' ? 'off for the request' : 'on'} | ${entry.requests} | ${entry.backendCalls} | ${format(entry.requestsPerSecond, 0)} |`);
  }

  console.log('\nBatching, Node gateway, 32 clients, JSON requests with unique prompts:');
  console.log('| batching | requests | backend HTTP calls | mean batch size | req/s | p50 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const entry of batching) {
    console.log(`| ${entry.batching} | ${entry.requests} | ${entry.backendCalls} | ${format(entry.meanBatchSize, 1)} | ${format(entry.requestsPerSecond, 0)} | ${format(entry.p50Ms)} |`);
  }

  if (jsonPath !== undefined) await writeFile(jsonPath, JSON.stringify({ date: new Date().toISOString(), rows, coalescing, batching }, null, 2));
}

await main();
