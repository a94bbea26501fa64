import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { childPids } from './proc.js';

/**
 * CPU pinning through util-linux `taskset`. A wake-up across cores costs ~80 µs on our VMs, far
 * more than the work we measure, so where the scheduler happens to wake a server would decide
 * the result. Pinning makes the layout a stated choice instead of luck.
 */

/** The affinity mask of `pid` as taskset prints it (hex, e.g. `3`), or undefined if unreadable. */
export function getAffinity(pid: number): string | undefined {
  try {
    const out = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' });
    return /mask:\s*([0-9a-f]+)/i.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Pins every thread of `pid` (`-a`) to `cpu`. Threads created later inherit it. */
export function pinToCpu(pid: number, cpu: number): boolean {
  return run(['-a', '-c', '-p', String(cpu), String(pid)]);
}

/** Sets every thread of `pid` back to a mask read earlier with `getAffinity`. */
export function setAffinityMask(pid: number, mask: string): boolean {
  return run(['-a', '-p', mask, String(pid)]);
}

function run(args: string[]): boolean {
  try {
    execFileSync('taskset', args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** True when `taskset` can be run at all (it is missing on macOS and in some containers). */
export function tasksetAvailable(): boolean {
  return getAffinity(process.pid) !== undefined;
}

/**
 * The CPU the bench and the servers share: `BENCH_CPU`, else the last one (cpu 0 takes most
 * interrupts and housekeeping). Undefined on a single-core machine, where pinning changes nothing.
 */
export function chooseBenchCpu(env: NodeJS.ProcessEnv = process.env): number | undefined {
  // cpus(), not availableParallelism(), which reports only the CPUs this process may use.
  const cores = cpus().length;
  const requested = env.BENCH_CPU;
  if (requested !== undefined && /^\d+$/.test(requested)) {
    const cpu = Number.parseInt(requested, 10);
    if (cpu < cores) return cpu;
  }
  return cores > 1 ? cores - 1 : undefined;
}

/** Processes pinned for a run, with the masks to put back. */
export interface PinnedGroup {
  /** Human-readable summary for the report, e.g. `redis-server (pid 2205) → cpu 1`. */
  readonly description: string;
  restore(): void;
}

/**
 * Pins `pids` to `cpu` and returns how to undo it. `adoptChildrenOf` names a parent (the
 * Postgres postmaster) whose children forked during the run inherited our pin; `restore` hands
 * them the parent's original mask too, so the machine is left as found.
 */
export function pinGroup(
  label: string,
  pids: readonly number[],
  cpu: number,
  adoptChildrenOf?: number,
): PinnedGroup | undefined {
  const saved = new Map<number, string>();
  for (const pid of pids) {
    const mask = getAffinity(pid);
    if (mask !== undefined && pinToCpu(pid, cpu)) saved.set(pid, mask);
  }
  if (saved.size === 0) return undefined;
  let restored = false;
  return {
    description: `${label} (${saved.size} process${saved.size === 1 ? '' : 'es'}) → cpu ${cpu}`,
    restore() {
      if (restored) return;
      restored = true;
      for (const [pid, mask] of saved) setAffinityMask(pid, mask);
      if (adoptChildrenOf === undefined) return;
      const parentMask = saved.get(adoptChildrenOf);
      if (parentMask === undefined) return;
      for (const child of childPids(adoptChildrenOf)) {
        if (!saved.has(child)) setAffinityMask(child, parentMask);
      }
    },
  };
}

/**
 * Pins this process (all threads: V8's GC and compiler helpers too) to `cpu`. Returns a line for
 * the report either way, so an unpinned run is never mistaken for a pinned one.
 */
export function pinSelf(cpu: number | undefined): string {
  if (cpu === undefined) return 'bench not pinned (single CPU)';
  if (!tasksetAvailable()) return 'bench not pinned (taskset unavailable)';
  return pinToCpu(process.pid, cpu) ? `bench → cpu ${cpu}` : 'bench not pinned (taskset failed)';
}

/**
 * Restores pinned server groups however the run ends: normally, by an exception, or by Ctrl-C.
 * A server left pinned to one core would slow everyone else's tests on this machine.
 */
export function restoreOnExit(groups: () => readonly PinnedGroup[]): () => void {
  const restoreAll = () => {
    for (const group of groups()) group.restore();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    restoreAll();
    process.kill(process.pid, signal);
  };
  process.once('exit', restoreAll);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return restoreAll;
}
