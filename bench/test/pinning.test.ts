import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { getAffinity, pinGroup, tasksetAvailable } from '../src/harness/pinning.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe.runIf(tasksetAvailable() && cpus().length > 1)(
  'pinGroup (needs taskset and 2 CPUs)',
  () => {
    it('pins a process to one CPU and restores the mask it had', () => {
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], {
        stdio: 'ignore',
      });
      children.push(child);
      const pid = child.pid as number;
      const before = getAffinity(pid);
      const group = pinGroup('sleeper', [pid], 0);
      expect(group?.description).toBe('sleeper (1 process) → cpu 0');
      expect(getAffinity(pid)).toBe('1');
      group?.restore();
      expect(getAffinity(pid)).toBe(before);
    });

    it('pins nothing and says so when no process can be pinned', () => {
      expect(pinGroup('ghost', [2 ** 22 + 12345], 0)).toBeUndefined();
    });
  },
);
