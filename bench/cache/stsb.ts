/**
 * Precision and recall of the semantic-cache matchers on STS Benchmark dev pairs.
 *
 * Usage: npx tsx bench/cache/stsb.ts [--json out.json]
 * A pair scored >= 4 counts as the same request, <= 2 as a different one; others are ignored.
 * Default thresholds come from the generated model, which was tuned on the train pairs only.
 * Reads the shared data folder from $SLIMGATE_SHARED_DIR, or ../shared from the working directory.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { COMBINED_MODEL } from '../../src/cache/semantic/combined-model.generated.js';
import {
  computeLabelledFeatures,
  type LabelledPairFeatures,
} from '../../src/cache/semantic/combined-training.js';
import { createEmbedders } from '../../src/cache/semantic/create-scorer.js';
import { predictProbability } from '../../src/cache/semantic/logistic-regression.js';
import { loadGloveSifTables, loadStsb } from '../../src/cache/semantic/node-loaders.js';
import { featureValue } from '../../src/cache/semantic/pair-features.js';
import {
  maxRecallAtPrecision,
  operatingPointAt,
  type LabelledScore,
  type OperatingPoint,
} from '../../src/cache/semantic/precision-recall.js';
import { referenceSentences } from '../../src/cache/semantic/stsb.js';

const SWEEP_THRESHOLDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.875, 0.9, 0.925, 0.95, 0.975];
const PRECISION_LEVELS = [0.9, 0.97];

interface MatcherDefinition {
  name: string;
  /** Score of a pair; -Infinity marks a pair the matcher rejects at every threshold. */
  score: (pair: LabelledPairFeatures) => number;
  defaultThreshold: number | null;
}

const MATCHERS: MatcherDefinition[] = [
  {
    name: 'glove-sif',
    score: (pair) => featureValue(pair.features, 'gloveCosine'),
    defaultThreshold: COMBINED_MODEL.thresholds.gloveSif,
  },
  {
    name: 'trigram-tfidf',
    score: (pair) => featureValue(pair.features, 'trigramCosine'),
    defaultThreshold: COMBINED_MODEL.thresholds.trigramTfidf,
  },
  {
    name: 'combined',
    score: (pair) => predictProbability(COMBINED_MODEL.logistic, pair.features),
    defaultThreshold: COMBINED_MODEL.thresholds.combined,
  },
  {
    name: 'combined+guard',
    score: (pair) =>
      pair.isFlagged ? -Infinity : predictProbability(COMBINED_MODEL.logistic, pair.features),
    defaultThreshold: COMBINED_MODEL.thresholds.combinedGuarded,
  },
];

interface MatcherResult {
  name: string;
  defaultThreshold: number | null;
  trainAtDefault: OperatingPoint | null;
  devAtDefault: OperatingPoint | null;
  /** Highest dev recall at each precision level, with the threshold picked on dev itself. */
  devMaxRecall: Record<string, OperatingPoint | null>;
  devSweep: OperatingPoint[];
}

const { values: options } = parseArgs({
  options: { json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (options.help === true) {
  process.stdout.write(
    'Usage: npx tsx bench/cache/stsb.ts [--json FILE]\n' +
      '  --json FILE  also write the raw results to FILE as JSON\n',
  );
  process.exit(0);
}

const startedAt = performance.now();
const gloveTables = await loadGloveSifTables();
const train = await loadStsb('train');
const dev = await loadStsb('dev');
const embedders = createEmbedders(gloveTables, referenceSentences(train.pairs), COMBINED_MODEL);
const trainPairs = computeLabelledFeatures(embedders, train.pairs);
const devPairs = computeLabelledFeatures(embedders, dev.pairs);

const results = MATCHERS.map((matcher): MatcherResult => {
  const scoresOf = (pairs: LabelledPairFeatures[]): LabelledScore[] =>
    pairs.map((pair) => ({ score: matcher.score(pair), label: pair.label }));
  const trainScores = scoresOf(trainPairs);
  const devScores = scoresOf(devPairs);
  const threshold = matcher.defaultThreshold;

  return {
    name: matcher.name,
    defaultThreshold: threshold,
    trainAtDefault: threshold === null ? null : operatingPointAt(trainScores, threshold),
    devAtDefault: threshold === null ? null : operatingPointAt(devScores, threshold),
    devMaxRecall: Object.fromEntries(
      PRECISION_LEVELS.map((level) => [String(level), maxRecallAtPrecision(devScores, level)]),
    ),
    devSweep: SWEEP_THRESHOLDS.map((sweepThreshold) => operatingPointAt(devScores, sweepThreshold)),
  };
});
const elapsedSeconds = (performance.now() - startedAt) / 1000;

printReport();
if (options.json !== undefined) {
  const report = {
    command: `npx tsx bench/cache/stsb.ts --json ${options.json}`,
    date: new Date().toISOString(),
    node: process.version,
    elapsedSeconds,
    data: {
      train: {
        pairs: train.pairs.length,
        skippedLines: train.skippedLines,
        labelled: countLabels(trainPairs),
      },
      dev: {
        pairs: dev.pairs.length,
        skippedLines: dev.skippedLines,
        labelled: countLabels(devPairs),
      },
    },
    precisionTarget: COMBINED_MODEL.precisionTarget,
    results,
  };
  await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
}

function countLabels(pairs: LabelledPairFeatures[]): { positives: number; negatives: number } {
  const positives = pairs.filter((pair) => pair.label === 1).length;
  return { positives, negatives: pairs.length - positives };
}

function printReport(): void {
  const lines: string[] = [];
  const devCounts = countLabels(devPairs);
  lines.push(
    `STS-B: train ${train.pairs.length} pairs (${train.skippedLines} lines skipped), ` +
      `dev ${dev.pairs.length} pairs (${dev.skippedLines} lines skipped); ` +
      `dev has ${devCounts.positives} same-request and ` +
      `${devCounts.negatives} different-request pairs`,
  );
  lines.push(
    'Default thresholds: highest train recall at train precision >= ' +
      String(COMBINED_MODEL.precisionTarget),
  );
  lines.push('');

  lines.push(
    '| matcher | default threshold | train P / R | dev P / R at default ' +
      '| dev max R at P>=0.90 | dev max R at P>=0.97 |',
  );
  lines.push('|---|---|---|---|---|---|');
  for (const result of results) {
    lines.push(
      `| ${result.name} | ${formatThreshold(result.defaultThreshold)} ` +
        `| ${formatPoint(result.trainAtDefault)} ` +
        `| ${formatPoint(result.devAtDefault)} | ${formatMaxRecall(result.devMaxRecall['0.9'])} ` +
        `| ${formatMaxRecall(result.devMaxRecall['0.97'])} |`,
    );
  }
  lines.push('');

  lines.push(`Dev precision / recall by threshold:`);
  lines.push('');
  lines.push(`| threshold | ${results.map((result) => result.name).join(' | ')} |`);
  lines.push(`|---|${results.map(() => '---').join('|')}|`);
  for (let row = 0; row < SWEEP_THRESHOLDS.length; row++) {
    const cells = results.map((result) => formatPoint(result.devSweep[row] ?? null));
    lines.push(`| ${SWEEP_THRESHOLDS[row]!.toFixed(3)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Elapsed: ${elapsedSeconds.toFixed(1)} s`);

  process.stdout.write(`${lines.join('\n')}\n`);
}

function formatThreshold(threshold: number | null): string {
  return threshold === null ? 'none reaches the target' : threshold.toFixed(4);
}

function formatPoint(point: OperatingPoint | null): string {
  if (point === null) return '–';
  return `${point.precision.toFixed(3)} / ${point.recall.toFixed(3)}`;
}

function formatMaxRecall(point: OperatingPoint | null | undefined): string {
  if (point === null || point === undefined) return 'not reached';
  const threshold = point.threshold.toFixed(3);
  return `${point.recall.toFixed(3)} (t=${threshold}, P=${point.precision.toFixed(3)})`;
}
