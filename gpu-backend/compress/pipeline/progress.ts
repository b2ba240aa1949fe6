/** Progress events of a compression run, shown by the CLI on stderr. */

export interface ProgressSink {
  /** A new pipeline step began: `index` of `total` (1-based), e.g. "apply q4". */
  step(label: string, index: number, total: number): void;
  /** Evaluation stories finished so far in the current quality pass. */
  stories(done: number, total: number): void;
  /** The run ended; the display may clear its line. */
  finish(): void;
}

export const silentProgress: ProgressSink = {
  step: () => {},
  stories: () => {},
  finish: () => {},
};
