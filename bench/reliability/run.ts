/**
 * Reliability benchmark of the Node gateway: 10,000 completion requests from 64 concurrent clients
 * on loopback (a quarter streamed, max_tokens 8 to 16, temperature 0). Three stories260K backend
 * processes serve them: one sits behind a proxy that delays each request, and one is killed with
 * SIGKILL after 30 % of the requests. Prints how many responses were correct, clean errors, wrong
 * or unclean, latency percentiles, and the gateway's resident memory.
 *
 * Usage: npx tsx bench/reliability/run.ts [--json out.json] [--requests 10000] [--concurrency 64]
 * Bounded by --time-limit-s (default 600). Reads the model and prompts from ../shared.
 */

import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { runReliability } from './harness.js';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    'slow-delay-ms': { type: 'string', default: '40' },
    'time-limit-s': { type: 'string', default: '600' },
  },
});

const options = {
  requests: Number(values.requests),
  concurrency: Number(values.concurrency),
  distinctPrompts: 500,
  killAt: 0.3,
  slowDelayMs: Number(values['slow-delay-ms']),
  timeLimitMs: Number(values['time-limit-s']) * 1000,
  log: (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
};

const result = await runReliability(options);

const rows: [string, string][] = [
  ['requests sent', String(result.sent)],
  ['concurrency', String(options.concurrency)],
  ['correct (own greedy reference)', String(result.outcomes.correct)],
  ['clean OpenAI-shaped errors', String(result.outcomes['clean-error'])],
  ['wrong answers', String(result.outcomes.wrong)],
  ['unclean failures', String(result.outcomes.unclean)],
  ['distinct references', String(result.distinctReferences)],
  ['killed backend ended by', String(result.killedBackendSignal)],
  ['duration (s)', (result.durationMs / 1000).toFixed(1)],
  ['latency p50 / p95 / p99 (ms)', `${result.latencyMs.p50} / ${result.latencyMs.p95} / ${result.latencyMs.p99}`],
  ['gateway RSS first / max / last (MiB)', `${result.gatewayRssMiB.first} / ${result.gatewayRssMiB.max} / ${result.gatewayRssMiB.last}`],
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
console.log('gateway RSS over the run (MiB):', result.gatewayRssMiB.trace.join(' '));
console.log('clean errors by status and code:', JSON.stringify(result.errorCodes));
if (result.problems.length > 0) console.log('problems:\n  ' + result.problems.join('\n  '));

if (values.json !== undefined) {
  const record = { command: `npx tsx bench/reliability/run.ts ${process.argv.slice(2).join(' ')}`.trim(), cpus: cpus().length, node: process.version, date: new Date().toISOString(), options: { ...options, log: undefined }, result };
  await writeFile(values.json, `${JSON.stringify(record, null, 2)}\n`);
}
process.exitCode = result.outcomes.wrong === 0 && result.outcomes.unclean === 0 ? 0 : 1;
