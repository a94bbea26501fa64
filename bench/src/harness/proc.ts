import { readdirSync, readFileSync } from 'node:fs';

/**
 * Readers of Linux /proc: which process is which, and how much CPU a server process spent.
 * Off Linux (or for a server on another host) they return undefined and the report says so.
 */

/** `comm` and `ppid` of a process, from /proc/<pid>/stat; the comm is parenthesised and may hold spaces. */
export function readProcStat(
  pid: number,
): { comm: string; ppid: number; ticks: number } | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Parses one /proc/<pid>/stat line: comm (field 2), ppid (4), utime + stime (14 + 15) in clock ticks. */
export function parseProcStat(text: string): { comm: string; ppid: number; ticks: number } {
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // Fields after the comm start at field 3 (state), so field k sits at index k - 3.
  const fields = text.slice(close + 2).split(' ');
  return {
    comm,
    ppid: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

/** Children of `ppid` (e.g. the Postgres backends of a postmaster). */
export function childPids(ppid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProcStat(Number(entry))?.ppid === ppid) children.push(Number(entry));
  }
  return children;
}

/**
 * CPU time of a process in nanoseconds, all threads. /proc/<pid>/task/<tid>/schedstat counts in
 * nanoseconds; utime + stime from /proc/<pid>/stat count in 10 ms ticks, too coarse for a
 * 200 ms round, so they are only the fallback when schedstat is missing.
 */
export function processCpuNs(pid: number): number | undefined {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const first = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0];
      total += Number(first);
    }
    return total;
  } catch {
    const stat = readProcStat(pid);
    return stat === undefined ? undefined : stat.ticks * 10_000_000;
  }
}

/** Summed CPU nanoseconds of several processes; a process that exited counts as 0. */
export function processesCpuNs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += processCpuNs(pid) ?? 0;
  return total;
}
