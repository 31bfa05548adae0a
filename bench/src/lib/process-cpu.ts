import { readFileSync } from 'node:fs';

/** Linux reports process times in USER_HZ ticks, 100 per second on every mainstream build. */
const TICKS_PER_S = 100;

/** User plus system CPU a process has used so far, in microseconds (Linux /proc); 0 if gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / TICKS_PER_S) * 1e6;
  } catch {
    return 0;
  }
}
