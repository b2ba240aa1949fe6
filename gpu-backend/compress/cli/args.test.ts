import { describe, expect, it } from 'vitest';

import { parseCliArguments, UsageError } from './args.js';
import { createProgressDisplay, formatDuration } from './progress-display.js';

describe('parseCliArguments', () => {
  it('parses compress with an objective and a constraint', () => {
    const args = parseCliArguments(['compress', 'models/x', '--objective', 'size', '--max-ppl-increase', '1.5%', '--stories', '20']);
    expect(args).toMatchObject({ command: 'compress', modelDir: 'models/x', recipe: 'auto', objective: 'size', storyCount: 20, constraints: { maxPerplexityIncreasePercent: 1.5 } });
  });

  it('gives deploy a 2% perplexity limit by default', () => {
    expect(parseCliArguments(['deploy', 'm'])).toMatchObject({ objective: 'p95-decode-latency', constraints: { maxPerplexityIncreasePercent: 2 } });
  });

  it('parses from-metrics with its defaults', () => {
    expect(parseCliArguments(['deploy', 'm', '--recipe', 'from-metrics', '--metrics', 'export.json'])).toMatchObject({
      recipe: 'from-metrics',
      metrics: { file: 'export.json', latencyObjectiveSeconds: 5, qualityFloor: 0.8, minRequests: 100 },
    });
    expect(parseCliArguments(['compress', 'm', '--recipe', 'from-metrics', '--metrics', 'e.json', '--metrics-model', 'story', '--latency-objective', '1.5'])).toMatchObject({
      metrics: { file: 'e.json', model: 'story', latencyObjectiveSeconds: 1.5 },
    });
  });

  it('rejects invalid input with a usage error', () => {
    expect(() => parseCliArguments(['shrink', 'm'])).toThrow(UsageError);
    expect(() => parseCliArguments(['compress'])).toThrow(/needs a model folder/);
    expect(() => parseCliArguments(['compress', 'm', '--objective', 'speed'])).toThrow(/unknown objective "speed"/);
    expect(() => parseCliArguments(['compress', 'm', '--stories', '0'])).toThrow(/--stories must be a number from 1 to 800/);
    expect(() => parseCliArguments(['compress', 'm', '--no-latency', '--objective', 'p95-decode-latency'])).toThrow(/needs latency measurements/);
  });

  it('returns help for -h', () => {
    expect(parseCliArguments(['-h'])).toBe('help');
  });
});

describe('progress display', () => {
  it('prints steps and stories with an ETA when not on a terminal', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    let clock = 0;
    const display = createProgressDisplay(stream, () => clock);

    display.step('evaluate', 2, 3);
    display.stories(1, 10);
    clock = 2000;
    display.stories(5, 10);
    display.finish();

    expect(lines).toEqual(['[2/3] evaluate\n', '[2/3] evaluate: 1/10 stories, ETA 0s\n', '[2/3] evaluate: 5/10 stories, ETA 2s\n']);
  });

  it('formats durations in minutes and seconds', () => {
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3.4)).toBe('3s');
  });
});
