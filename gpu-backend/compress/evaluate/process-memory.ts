/** Resident memory of this process from Linux's `/proc/self/status`. */

import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** VmRSS: resident set size now, in bytes. */
  rssBytes: number;
  /** VmHWM: the peak resident set size since the process started, in bytes. */
  peakRssBytes: number;
}

/** Parses the `VmRSS` and `VmHWM` lines (values in kB) of a `/proc/<pid>/status` text. */
export function parseProcStatus(text: string): ProcessMemory {
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    if (!match) throw new Error(`/proc status has no ${field} line`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kilobytes('VmRSS'), peakRssBytes: kilobytes('VmHWM') };
}

/** Reads this process's memory; throws on systems without procfs (not Linux). */
export function readProcessMemory(): ProcessMemory {
  return parseProcStatus(readFileSync('/proc/self/status', 'utf8'));
}
