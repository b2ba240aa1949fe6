/**
 * The report of a recipe re-selection, as JSON and Markdown files, so a deploy leaves a record of
 * why it chose its recipe.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { ReselectOptions, RecipeChoice } from './choose-recipe.js';
import type { TrafficProfile } from './traffic-profile.js';

export interface ReselectReport {
  choice: RecipeChoice;
  profile: TrafficProfile;
  options: ReselectOptions;
  createdAt: string;
}

/** Writes `reselect-report.json` and `reselect-report.md` into `folder`; returns their paths. */
export function writeReselectReport(folder: string, report: ReselectReport): { json: string; markdown: string } {
  mkdirSync(folder, { recursive: true });
  const json = path.join(folder, 'reselect-report.json');
  const markdown = path.join(folder, 'reselect-report.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, formatMarkdown(report));
  return { json, markdown };
}

export function formatMarkdown(report: ReselectReport): string {
  const { choice, profile, options } = report;
  const number = (value: number | null, digits = 1) => (value === null ? 'not reported' : value.toFixed(digits));
  const lines = [
    `# Recipe re-selection for ${profile.model}`,
    '',
    `Chosen recipe: **${choice.recipe}** (traffic ${choice.regime}), ${report.createdAt}.`,
    '',
    '## Why',
    '',
    ...choice.reasons.map((reason) => `- ${reason}`),
    '',
    `## Traffic (${profile.window} window)`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| requests | ${profile.requests} |`,
    `| mean batch size | ${number(profile.meanBatchSize)} |`,
    `| share of batches of 4 or fewer | ${profile.smallBatchShare === null ? 'not reported' : `${Math.round(profile.smallBatchShare * 100)}%`} |`,
    `| mean prompt tokens | ${number(profile.meanPromptTokens)} |`,
    `| mean completion tokens | ${number(profile.meanCompletionTokens)} |`,
    '',
    `## Variants (objective: p95 under ${options.latencyObjectiveSeconds} s, quality at least ${options.qualityFloor})`,
    '',
    '| variant | requests | p95 latency (s) | replay agreement | feedback |',
    '| --- | --- | --- | --- | --- |',
    ...profile.variants.map((variant) => `| ${variant.variant} | ${variant.requests} | ${number(variant.latencyP95Seconds, 3)} | ${number(variant.replayQuality, 2)} | ${number(variant.feedbackQuality, 2)} |`),
    '',
  ];
  if (choice.rejected.length > 0) {
    lines.push('## Rejected', '', ...choice.rejected.map((entry) => `- ${entry.recipe}: ${entry.reason}`), '');
  }
  return lines.join('\n');
}
