/**
 * A/B comparison of the Node gateway at two commits: the working tree against a base revision
 * checked out into a temporary git worktree. Gateway processes of the two alternate, each round
 * one of each, in front of the same loopback upstream, so that drift of the shared machine
 * touches both. Prints, per side, the requests per second at 32 clients and the p50 added at one
 * client, and the ratio of the medians.
 *
 *   npx tsx bench/edge/compare.ts --base HEAD~1 [--rounds 3] [--stream] [--json out.json]
 *
 * The worktree uses this checkout's node_modules, so a base with other dependencies is measured
 * with these.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { startServerProcess } from './gateway-process.js';
import { percentile, runLoad } from './load.js';
import { startBenchUpstream } from './upstream.js';

interface Sample {
  side: 'base' | 'current';
  round: number;
  requestsPerSecond: number;
  addedP50Ms: number;
}

const MODEL = 'bench-model';

const { values } = parseArgs({
  options: { base: { type: 'string' }, rounds: { type: 'string', default: '3' }, stream: { type: 'boolean', default: false }, json: { type: 'string' } },
});
if (values.base === undefined) throw new Error('--base is missing: give the git revision to compare the working tree against, e.g. --base HEAD~1.');
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`--rounds must be an integer from 1 to 20, got ${values.rounds}.`);

// Loopback only: wrangler is not started here, but the gateway reads the same variables.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

const repository = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const baseCommit = execFileSync('git', ['rev-parse', '--verify', `${values.base}^{commit}`], { cwd: repository, encoding: 'utf8' }).trim();
const worktree = path.join(mkdtempSync(path.join(tmpdir(), 'slimgate-compare-')), 'base');

let run = 0;
function body(): (index: number) => string {
  run += 1;
  const prefix = `${run}-${Date.now()}`;
  return (index) => JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `Tell story ${prefix}-${index}` }], max_tokens: 8, temperature: 0, stream: values.stream });
}

async function measure(side: Sample['side'], round: number, cwd: string, upstreamOrigin: string, backends: string): Promise<Sample> {
  const gateway = await startServerProcess('edge/node.ts', { BACKENDS: backends, TOTAL_TIMEOUT_MS: '60000', LOG_LEVEL: 'info' }, cwd);
  try {
    const url = `${gateway.url}/v1/chat/completions`;
    await runLoad({ url, concurrency: 8, requests: 500, maxSeconds: 3, body: body() });
    const single = await runLoad({ url, concurrency: 1, requests: 1_500, maxSeconds: 3, body: body() });
    const direct = await runLoad({ url: `${upstreamOrigin}/v1/chat/completions`, concurrency: 1, requests: 1_500, maxSeconds: 1, body: body() });
    const loaded = await runLoad({ url, concurrency: 32, requests: 8_000, maxSeconds: 4, body: body() });
    const sample = { side, round, requestsPerSecond: loaded.requestsPerSecond, addedP50Ms: percentile(single.latencies, 0.5) - percentile(direct.latencies, 0.5) };
    process.stderr.write(`round ${round} ${side}: ${sample.requestsPerSecond.toFixed(0)} req/s, +${sample.addedP50Ms.toFixed(3)} ms p50\n`);
    return sample;
  } finally {
    await gateway.close();
  }
}

/** Returns the middle value, or the mean of the two middle values of an even count. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  execFileSync('git', ['worktree', 'add', '--detach', worktree, baseCommit], { cwd: repository, stdio: 'ignore' });
  symlinkSync(path.join(repository, 'node_modules'), path.join(worktree, 'node_modules'), 'dir');
  const upstream = await startBenchUpstream();
  const backends = JSON.stringify([{ name: 'bench', baseURL: `${upstream.origin}/v1`, models: [MODEL] }]);
  const samples: Sample[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      // The order alternates too, so neither side always runs on a machine just warmed by the other.
      const order: [Sample['side'], string][] = round % 2 === 1 ? [['base', worktree], ['current', repository]] : [['current', repository], ['base', worktree]];
      for (const [side, cwd] of order) samples.push(await measure(side, round, cwd, upstream.origin, backends));
    }
  } finally {
    await upstream.close();
    execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: repository, stdio: 'ignore' });
    if (existsSync(worktree)) rmSync(worktree, { recursive: true, force: true });
  }

  const of = (side: Sample['side']) => samples.filter((sample) => sample.side === side);
  const summary = (['base', 'current'] as const).map((side) => {
    const rps = of(side).map((sample) => sample.requestsPerSecond);
    const added = of(side).map((sample) => sample.addedP50Ms);
    return { side, medianRequestsPerSecond: median(rps), minRequestsPerSecond: Math.min(...rps), maxRequestsPerSecond: Math.max(...rps), medianAddedP50Ms: median(added) };
  });
  const [base, current] = summary as [(typeof summary)[number], (typeof summary)[number]];

  console.log(`Node gateway, ${values.stream ? 'streams' : 'JSON'}, ${rounds} rounds; base ${baseCommit.slice(0, 12)} against the working tree`);
  console.log('| side | req/s at 32 clients, median (min–max) | added p50 at 1 client, median ms |');
  console.log('| --- | ---: | ---: |');
  for (const side of summary) {
    console.log(`| ${side.side} | ${side.medianRequestsPerSecond.toFixed(0)} (${side.minRequestsPerSecond.toFixed(0)}–${side.maxRequestsPerSecond.toFixed(0)}) | ${side.medianAddedP50Ms.toFixed(3)} |`);
  }
  console.log(`\ncurrent ÷ base, req/s: ${(current.medianRequestsPerSecond / base.medianRequestsPerSecond).toFixed(3)}`);

  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ date: new Date().toISOString(), base: baseCommit, stream: values.stream, rounds, samples, summary }, null, 2));
}

await main();
