import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (Linux); undefined once it is gone. */
function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Samples the RSS of some processes every `everyMs` while a run goes on and keeps the peak of
 * each: VmHWM would include every earlier run of the same process, this covers one run only.
 */
export function samplePeakRss(pids: readonly number[], everyMs = 200) {
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const pid of pids) {
      const rss = residentBytes(pid);
      if (rss !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rss));
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    /** Stop sampling; the peak per pid in bytes. */
    stop(): Map<number, number> {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
