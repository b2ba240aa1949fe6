/**
 * Progress on stderr: the current step, stories evaluated and an ETA from the rate so far.
 * A terminal gets one line redrawn in place. Other streams get a line per step and per tenth
 * of the stories, so logs stay short.
 */

import type { ProgressSink } from '../pipeline/progress.js';

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): ProgressSink {
  const interactive = stream.isTTY === true;
  let stepLabel = '';
  let storiesStarted: number | undefined;
  let lastDecile = -1;

  const write = (line: string, final: boolean): void => {
    if (interactive) stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };

  return {
    step(label, index, total) {
      if (interactive && stepLabel) stream.write('\n');
      stepLabel = `[${index}/${total}] ${label}`;
      storiesStarted = undefined;
      lastDecile = -1;
      write(stepLabel, false);
    },
    stories(done, total) {
      storiesStarted ??= now();
      const decile = Math.floor((done * 10) / total);
      if (!interactive && decile === lastDecile && done !== total) return;
      lastDecile = decile;

      const elapsedSeconds = (now() - storiesStarted) / 1000;
      const etaSeconds = done > 0 ? (elapsedSeconds / done) * (total - done) : 0;
      write(`${stepLabel}: ${done}/${total} stories, ETA ${formatDuration(etaSeconds)}`, false);
    },
    finish() {
      if (interactive && stepLabel) stream.write('\n');
      stepLabel = '';
    },
  };
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}
