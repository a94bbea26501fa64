import { isRampartError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createHashQueue } from '../src/hash-queue.js';
import { type Deferred, deferred, settle } from './deferred.js';

/** Tasks whose end the test decides, recording how many run at once and in which order they start. */
function controlledTasks() {
  const started: string[] = [];
  const pending = new Map<string, Deferred<string>>();
  let inFlight = 0;
  let maxInFlight = 0;
  const task = (name: string) => () => {
    started.push(name);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const work = deferred<string>();
    pending.set(name, work);
    return work.promise.finally(() => {
      inFlight--;
      pending.delete(name);
    });
  };
  return {
    task,
    started,
    /** Started and not yet finished, oldest first. */
    unfinished: () => [...pending.keys()],
    finish(name: string, error?: Error) {
      const work = pending.get(name);
      if (work === undefined) throw new Error(`${name} has not started`);
      if (error === undefined) work.resolve(name);
      else work.reject(error);
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('createHashQueue', () => {
  it('never runs more than `concurrency` tasks at once', async () => {
    const queue = createHashQueue(3, 100);
    const tasks = controlledTasks();
    const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const results = names.map((name) => queue.run(tasks.task(name)));
    await settle();
    expect(tasks.started).toEqual(['t0', 't1', 't2']);
    expect(queue.running).toBe(3);
    expect(queue.queued).toBe(17);
    // Finish the newest running task each time (out of arrival order) until all have run.
    while (tasks.unfinished().length > 0) {
      tasks.finish(tasks.unfinished().at(-1) as string);
      await settle();
      expect(queue.running).toBeLessThanOrEqual(3);
    }
    expect(await Promise.all(results)).toEqual(names);
    expect(tasks.maxInFlight).toBe(3);
    expect(queue.running).toBe(0);
  });

  it('starts waiting tasks in arrival order', async () => {
    const queue = createHashQueue(2, 10);
    const tasks = controlledTasks();
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => queue.run(tasks.task(name)));
    await settle();
    expect(tasks.started).toEqual(['a', 'b']);
    tasks.finish('b');
    await settle();
    expect(tasks.started).toEqual(['a', 'b', 'c']);
    tasks.finish('a');
    tasks.finish('c');
    await settle();
    expect(tasks.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    tasks.finish('e');
    tasks.finish('d');
    await settle();
    tasks.finish('f');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('refuses a task beyond the bound with 503 ERR_BUSY and Retry-After, without running it', async () => {
    const queue = createHashQueue(2, 3);
    const tasks = controlledTasks();
    const accepted = ['a', 'b', 'c', 'd', 'e'].map((name) => queue.run(tasks.task(name)));
    let ranRefused = false;
    const refused = queue.run(async () => {
      ranRefused = true;
      return 'never';
    });
    const error: unknown = await refused.catch((caught: unknown) => caught);
    expect(isRampartError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 503,
      code: 'ERR_BUSY',
      headers: { 'Retry-After': '1' },
      extensions: { retryAfter: 1 },
    });
    expect(queue.queued).toBe(3);
    // The bound holds the queue at its size; once a task ends there is room again.
    tasks.finish('a');
    await settle();
    const later = queue.run(tasks.task('f'));
    for (const name of ['b', 'c', 'd', 'e']) {
      tasks.finish(name);
      await settle();
    }
    tasks.finish('f');
    expect(await Promise.all([...accepted, later])).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(ranRefused).toBe(false);
  });

  it('with maxQueued 0 refuses whatever finds every slot taken', async () => {
    const queue = createHashQueue(1, 0);
    const tasks = controlledTasks();
    const first = queue.run(tasks.task('a'));
    await expect(queue.run(tasks.task('b'))).rejects.toMatchObject({ code: 'ERR_BUSY' });
    tasks.finish('a');
    expect(await first).toBe('a');
    tasks.started.length = 0;
    const second = queue.run(tasks.task('c'));
    tasks.finish('c');
    expect(await second).toBe('c');
  });

  it('frees the slot of a task that rejects or throws, and hands the error to its caller', async () => {
    const queue = createHashQueue(1, 5);
    const tasks = controlledTasks();
    const failing = queue.run(tasks.task('a'));
    const throwing = queue.run(() => {
      throw new Error('thrown before any promise');
    });
    const after = queue.run(tasks.task('b'));
    tasks.finish('a', new Error('argon2 failed'));
    await expect(failing).rejects.toThrow('argon2 failed');
    await expect(throwing).rejects.toThrow('thrown before any promise');
    await settle();
    expect(tasks.started).toEqual(['a', 'b']);
    expect(queue.running).toBe(1);
    tasks.finish('b');
    expect(await after).toBe('b');
    expect(queue.running).toBe(0);
    expect(queue.queued).toBe(0);
  });
});
