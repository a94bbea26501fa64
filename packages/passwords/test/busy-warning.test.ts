import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHashQueue } from '../src/hash-queue.js';
import { deferred } from './deferred.js';

afterEach(() => {
  vi.restoreAllMocks();
});

// Its own file: the warning is once per process (per module instance), and Vitest isolates files.
describe('the first refusal of the process', () => {
  it('emits one RAMPART_PASSWORD_HASHER_BUSY warning, however many refusals follow', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const queue = createHashQueue(1, 0);
    const work = deferred<string>();
    const running = queue.run(() => work.promise);
    for (let i = 0; i < 3; i++) {
      await expect(queue.run(async () => 'never')).rejects.toMatchObject({ code: 'ERR_BUSY' });
    }
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning.mock.calls[0]?.[1]).toEqual({ code: 'RAMPART_PASSWORD_HASHER_BUSY' });
    expect(String(emitWarning.mock.calls[0]?.[0])).toMatch(/concurrency or maxQueued/);
    work.resolve('done');
    expect(await running).toBe('done');
  });
});
