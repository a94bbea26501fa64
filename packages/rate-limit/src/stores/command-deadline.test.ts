import { RampartError, StoreUnavailableError } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandDeadline } from './command-deadline.js';

describe('CommandDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes answers through and fails a silent command with ERR_STORE_UNAVAILABLE within 1.25 timeouts', async () => {
    const deadline = new CommandDeadline('test-store', 400);
    await expect(deadline.run(async () => 7)).resolves.toBe(7);
    let late: (value: number) => void = () => {};
    const silent = deadline.run(() => new Promise<number>((resolve) => (late = resolve)));
    const outcome = silent.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(399);
    await vi.advanceTimersByTimeAsync(101);
    const error = await outcome;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('ERR_STORE_UNAVAILABLE');
    late(1); // a late answer is dropped, not an unhandled anything
    await vi.advanceTimersByTimeAsync(1000);
  });

  it('does not fail a command before its timeout', async () => {
    const deadline = new CommandDeadline('test-store', 400);
    let answer: (value: number) => void = () => {};
    const pending = deadline.run(() => new Promise<number>((resolve) => (answer = resolve)));
    await vi.advanceTimersByTimeAsync(390);
    answer(3);
    await expect(pending).resolves.toBe(3);
  });

  it('turns failures into StoreUnavailableError and lets a RampartError through', async () => {
    const deadline = new CommandDeadline('test-store', 400);
    await expect(
      deadline.run(() => Promise.reject(new Error('ECONNREFUSED'))),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const own = new RampartError({ status: 400, code: 'ERR_X', title: 't', detail: 'd' });
    await expect(deadline.run(() => Promise.reject(own))).rejects.toBe(own);
    await expect(
      deadline.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
