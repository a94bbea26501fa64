import { describe, expect, it } from 'vitest';
import { parseProcStat, processCpuNs, readProcStat } from '../src/harness/proc.js';

describe('parseProcStat', () => {
  it('reads comm, ppid and utime + stime, even with spaces and parentheses in the comm', () => {
    const line =
      '2186 (postgres: (x) y) S 2185 2185 2185 0 -1 4194368 60 0 0 0 7 3 0 0 20 0 1 0 1234 0 0';
    expect(parseProcStat(line)).toEqual({ comm: 'postgres: (x) y', ppid: 2185, ticks: 10 });
  });
});

describe.runIf(process.platform === 'linux')(
  'readProcStat and processCpuNs on this process',
  () => {
    it('finds this process and a CPU time that grows with work', () => {
      expect(readProcStat(process.pid)?.ppid).toBe(process.ppid);
      const before = processCpuNs(process.pid) as number;
      // Spin until this process has used 30 ms of CPU (not of wall time: on a busy machine the
      // wall clock runs ahead of the CPU we get).
      const cpu0 = process.cpuUsage();
      const giveUp = Date.now() + 5000;
      while (Date.now() < giveUp) {
        const used = process.cpuUsage(cpu0);
        if (used.user + used.system >= 30_000) break;
      }
      expect((processCpuNs(process.pid) as number) - before).toBeGreaterThan(20_000_000);
    });
  },
);
