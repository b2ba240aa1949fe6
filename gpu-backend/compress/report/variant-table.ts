/** Plain-text and Markdown tables of variant measurements, for the CLI and the benchmark. */

import type { VariantMeasurement } from '../evaluate/evaluate-variants.js';

export const TABLE_COLUMNS = [
  'recipe',
  'bits/weight',
  'matmul KiB',
  'file KiB',
  'ppl',
  'Δppl %',
  'agree',
  'KL',
  'prefill b1 ms',
  'decode b1 ms (p95)',
  'prefill b8 ms',
  'decode b8 ms (p95)',
  'tok/s',
  '$/Mtok',
  'peak MiB',
] as const;

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const fixed = (value: number | undefined, digits: number): string => (value === undefined ? '–' : value.toFixed(digits));

/** Formats one row of cells per variant, in {@link TABLE_COLUMNS} order. A `–` cell marks a value not measured. */
export function tableRow(variant: VariantMeasurement): string[] {
  const quality = variant.quality;
  const performance = variant.performance;
  const at = (batch: number) => performance?.latency.find((entry) => entry.batchSize === batch);
  const latencyCell = (batch: number, phase: 'prefill' | 'decode'): string => {
    const entry = at(batch)?.[phase];
    if (!entry) return '–';
    return phase === 'decode' ? `${entry.medianMs.toFixed(2)} (${entry.p95Ms.toFixed(2)})` : entry.medianMs.toFixed(2);
  };
  const cost = performance?.dollarsPerMillionTokens;

  return [
    variant.name,
    variant.matmul.bitsPerWeight.toFixed(2),
    kib(variant.matmul.bytes),
    kib(variant.fileBytes),
    fixed(quality?.perplexity, 4),
    quality ? `${quality.perplexityIncreasePercent >= 0 ? '+' : ''}${quality.perplexityIncreasePercent.toFixed(2)}` : '–',
    fixed(quality?.top1Agreement, 4),
    fixed(quality?.meanKl, 5),
    latencyCell(1, 'prefill'),
    latencyCell(1, 'decode'),
    latencyCell(8, 'prefill'),
    latencyCell(8, 'decode'),
    fixed(performance?.tokensPerSecond, 0),
    cost === undefined || cost === null ? '–' : cost.toFixed(4),
    performance ? (performance.peakRssBytes / 2 ** 20).toFixed(0) : '–',
  ];
}

/** Columns padded to equal width, for a terminal. */
export function formatTextTable(variants: readonly VariantMeasurement[]): string {
  const rows = [[...TABLE_COLUMNS], ...variants.map(tableRow)];
  const widths = TABLE_COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n');
}

export function formatMarkdownTable(variants: readonly VariantMeasurement[]): string {
  const rows = variants.map(tableRow);
  return [`| ${TABLE_COLUMNS.join(' | ')} |`, `|${TABLE_COLUMNS.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
