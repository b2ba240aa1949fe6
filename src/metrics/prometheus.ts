/**
 * Prometheus text exposition format (version 0.0.4) of the lifetime totals of the metrics store.
 */

import { BATCH_SIZE_BUCKETS, SECONDS_BUCKETS, type HistogramData } from './histogram.js';
import { CACHE_STATUSES } from './request-record.js';
import { LABEL_NAMES, type SeriesAggregate, type SeriesLabels } from './series-aggregate.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Sample = (aggregate: SeriesAggregate) => number;

const COUNTERS: readonly { name: string; help: string; value: Sample }[] = [
  { name: 'slimgate_requests_total', help: 'Generation requests, counted when the response body ends.', value: (a) => a.requests },
  { name: 'slimgate_request_errors_total', help: 'Generation requests whose response status was 500 or above.', value: (a) => a.errors },
  { name: 'slimgate_prompt_tokens_total', help: 'Prompt tokens, from the usage the backend reported.', value: (a) => a.promptTokens },
  { name: 'slimgate_completion_tokens_total', help: 'Completion tokens, from usage or counted stream chunks.', value: (a) => a.completionTokens },
  { name: 'slimgate_cost_usd_total', help: 'Estimated spend in US dollars (edge request price plus backend hardware time).', value: (a) => a.spentUsd },
  { name: 'slimgate_baseline_cost_usd_total', help: 'Estimated spend on the reference variant without cache or batching, in US dollars.', value: (a) => a.baselineUsd },
];

const HISTOGRAMS: readonly { name: string; help: string; bounds: readonly number[]; value: (a: SeriesAggregate) => HistogramData }[] = [
  { name: 'slimgate_request_duration_seconds', help: 'Time from request to the end of the response body.', bounds: SECONDS_BUCKETS, value: (a) => a.duration },
  { name: 'slimgate_time_to_first_token_seconds', help: 'Time from request to the first response body chunk.', bounds: SECONDS_BUCKETS, value: (a) => a.firstToken },
  { name: 'slimgate_queue_time_seconds', help: 'Time waiting in the backend queue, where the backend reports it.', bounds: SECONDS_BUCKETS, value: (a) => a.queue },
  { name: 'slimgate_batch_size', help: 'Sequences the backend decoded together, where it reports it.', bounds: BATCH_SIZE_BUCKETS, value: (a) => a.batchSize },
];

/** Renders every series of `totals`; an empty list still produces the HELP and TYPE lines. */
export function renderPrometheus(totals: readonly SeriesAggregate[]): string {
  const lines: string[] = [];

  for (const counter of COUNTERS) {
    lines.push(`# HELP ${counter.name} ${counter.help}`, `# TYPE ${counter.name} counter`);
    for (const aggregate of totals) lines.push(`${counter.name}${labelText(aggregate.labels)} ${formatNumber(counter.value(aggregate))}`);
  }

  lines.push('# HELP slimgate_cache_requests_total Generation requests by response cache status.', '# TYPE slimgate_cache_requests_total counter');
  for (const aggregate of totals) {
    for (const status of CACHE_STATUSES) {
      lines.push(`slimgate_cache_requests_total${labelText(aggregate.labels, { status })} ${formatNumber(aggregate.cache[status])}`);
    }
  }

  lines.push('# HELP slimgate_savings_usd_total Estimated savings against the baseline in US dollars, by cause.', '# TYPE slimgate_savings_usd_total counter');
  for (const aggregate of totals) {
    lines.push(`slimgate_savings_usd_total${labelText(aggregate.labels, { cause: 'cache' })} ${formatNumber(aggregate.savedByCacheUsd)}`);
    lines.push(`slimgate_savings_usd_total${labelText(aggregate.labels, { cause: 'batching' })} ${formatNumber(aggregate.savedByBatchingUsd)}`);
    lines.push(`slimgate_savings_usd_total${labelText(aggregate.labels, { cause: 'compression' })} ${formatNumber(aggregate.savedByCompressionUsd)}`);
  }

  for (const histogram of HISTOGRAMS) {
    lines.push(`# HELP ${histogram.name} ${histogram.help}`, `# TYPE ${histogram.name} histogram`);
    for (const aggregate of totals) {
      const data = histogram.value(aggregate);
      let cumulative = 0;
      histogram.bounds.forEach((bound, index) => {
        cumulative += data.counts[index] ?? 0;
        lines.push(`${histogram.name}_bucket${labelText(aggregate.labels, { le: formatNumber(bound) })} ${cumulative}`);
      });
      lines.push(`${histogram.name}_bucket${labelText(aggregate.labels, { le: '+Inf' })} ${data.count}`);
      lines.push(`${histogram.name}_sum${labelText(aggregate.labels)} ${formatNumber(data.sum)}`);
      lines.push(`${histogram.name}_count${labelText(aggregate.labels)} ${data.count}`);
    }
  }

  return `${lines.join('\n')}\n`;
}

function labelText(labels: SeriesLabels, extra: Record<string, string> = {}): string {
  const pairs = [...LABEL_NAMES.map((name) => [name, labels[name]] as const), ...Object.entries(extra)];
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Escapes a label value as the exposition format requires: backslash, double quote and newline. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
