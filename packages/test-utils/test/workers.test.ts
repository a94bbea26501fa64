import { describe, expect, it } from 'vitest';
import { runInWorkers } from '../src/workers/run-in-workers.js';

const WORKER = new URL('./fixtures/start-together-worker.ts', import.meta.url);

interface Report {
  pid: number;
  preparedAt: number;
  ranAt: number;
  coreEntry: string;
  decoded: number[];
}

describe('runInWorkers', () => {
  it('runs each input in its own process, all starting only after the slowest has prepared', async () => {
    const reports = await runInWorkers<{ prepareMs: number }, Report>(WORKER, [
      { prepareMs: 0 },
      { prepareMs: 300 },
      { prepareMs: 50 },
    ]);
    expect(reports).toHaveLength(3);
    expect(new Set(reports.map((report) => report.pid)).size).toBe(3);
    expect(reports.map((report) => report.pid)).not.toContain(process.pid);
    const lastPrepared = Math.max(...reports.map((report) => report.preparedAt));
    for (const report of reports) expect(report.ranAt).toBeGreaterThanOrEqual(lastPrepared);
  });

  it('resolves @rampart packages to their sources, as the tests do', async () => {
    const [report] = await runInWorkers<{ prepareMs: number }, Report>(WORKER, [{ prepareMs: 0 }]);
    expect(report?.coreEntry).toMatch(/packages\/core\/src\/index\.ts$/);
    expect(report?.decoded).toEqual([1, 2, 3]);
  });

  it("rejects with a failed worker's error and stops the others", async () => {
    await expect(
      runInWorkers(WORKER, [{ prepareMs: 0 }, { prepareMs: 0, failOnRun: true }]),
    ).rejects.toThrow(/worker 1 failed: Error: the worker failed on purpose/);
  });
});
