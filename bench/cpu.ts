/**
 * CPU time where the bench can see it: the whole machine's (every process: the worker, the
 * simulators, Postgres, anything else running) and one child process's. Both answer "was the
 * machine the limit?": a phase whose CPU time approaches wall time × cores had no idle core left.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Busy CPU time of the whole machine so far, in ms (user + nice + system + irq, summed over cores). */
export function machineCpuMs(): number {
  let ms = 0;
  for (const c of os.cpus()) ms += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return ms;
}

/** User + system CPU time of a process so far, in ms, from /proc (null where there is no /proc). */
export function processCpuMs(pid: number): number | null {
  try {
    // The command name (field 2) is parenthesized and may hold spaces: count fields after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return Math.round((ticks * 1000) / CLOCK_TICKS);
  } catch {
    return null;
  }
}

// USER_HZ: 100 on every Linux build the bench runs on (getconf CLK_TCK).
const CLOCK_TICKS = 100;

/** A phase's machine CPU: time spent and the share of the machine's cores it kept busy. */
export function machineShare(cpuMs: number, wallMs: number): number {
  return Math.round((cpuMs / Math.max(1, wallMs * os.cpus().length)) * 100) / 100;
}
