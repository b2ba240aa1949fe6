/**
 * Stop-sequence handling for streamed text.
 *
 * Text that could still grow into a stop sequence is held back, so a client never receives
 * characters that a later token would have turned into (excluded) stop text.
 */

export interface StopMatchResult {
  /** Text that is safe to send now. */
  text: string;
  /** True once a stop sequence was found; `text` then ends right before it. */
  stopped: boolean;
}

export class StopMatcher {
  private pending = '';
  private readonly maxStopLength: number;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((stop) => stop.length === 0)) throw new RangeError('stop sequences must not be empty');
    this.maxStopLength = stops.reduce((max, stop) => Math.max(max, stop.length), 0);
  }

  /** Appends newly decoded text and returns the part that can no longer become a stop sequence. */
  push(text: string): StopMatchResult {
    if (this.stops.length === 0) return { text, stopped: false };

    this.pending += text;
    const stopIndex = this.findEarliestStop();
    if (stopIndex >= 0) {
      const released = this.pending.slice(0, stopIndex);
      this.pending = '';
      return { text: released, stopped: true };
    }

    const heldLength = this.longestSuffixThatStartsAStop();
    const released = this.pending.slice(0, this.pending.length - heldLength);
    this.pending = this.pending.slice(this.pending.length - heldLength);
    return { text: released, stopped: false };
  }

  /** Releases the held-back text when generation ends for a reason other than a stop sequence. */
  flush(): string {
    const released = this.pending;
    this.pending = '';
    return released;
  }

  private findEarliestStop(): number {
    let earliest = -1;
    for (const stop of this.stops) {
      const index = this.pending.indexOf(stop);
      if (index >= 0 && (earliest < 0 || index < earliest)) earliest = index;
    }
    return earliest;
  }

  /**
   * Returns the length of the longest suffix of `pending` that is a proper prefix of some stop
   * sequence. Any later match must start inside that suffix, because everything before it was
   * already searched.
   */
  private longestSuffixThatStartsAStop(): number {
    const limit = Math.min(this.pending.length, this.maxStopLength - 1);
    for (let length = limit; length > 0; length--) {
      const suffixStart = this.pending.length - length;
      for (const stop of this.stops) {
        if (stop.length > length && this.pending.startsWith(stop.slice(0, length), suffixStart)) return length;
      }
    }
    return 0;
  }
}
