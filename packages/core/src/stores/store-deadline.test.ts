import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../errors/common-errors.js';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import { createStoreDeadline } from './store-deadline.js';

const never = () => new Promise<never>(() => {});

describe('createStoreDeadline', () => {
  it('passes a result through', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 100 });
    await expect(deadline.run(async () => 'OK')).resolves.toBe('OK');
  });

  it('answers a hung operation with StoreUnavailableError within the timeout, never after', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 200 });
    const started = performance.now();
    const error = await deadline.run(never).catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(error).toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      status: 503,
      store: 'test-store',
    });
    expect(waited).toBeGreaterThanOrEqual(150);
    // The design answers before the deadline; the margin only absorbs a loaded event loop.
    expect(waited).toBeLessThanOrEqual(200 + 150);
  });

  it('expires many hung operations in deadline order while others settle', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 60 });
    const hung = Array.from({ length: 20 }, () => deadline.run(never).catch((e: unknown) => e));
    const quick = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deadline.run(async () => i)),
    );
    expect(quick).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const errors = await Promise.all(hung);
    expect(errors.every((e) => isRampartError(e) && e.code === 'ERR_STORE_UNAVAILABLE')).toBe(true);
  });

  it('maps a driver failure to StoreUnavailableError and lets a RampartError through', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 100 });
    const driverFailure = await deadline
      .run(() => Promise.reject(new Error('connect ECONNREFUSED')))
      .catch((e: unknown) => e);
    expect(driverFailure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const own = new RampartError({ status: 400, code: 'ERR_X', title: 't', detail: 'd' });
    await expect(deadline.run(() => Promise.reject(own))).rejects.toBe(own);
    await expect(
      deadline.run(() => {
        throw new Error('sync throw');
      }),
    ).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });

  it('observes a rejection that arrives after the deadline: no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 20 });
      let rejectLate: (error: Error) => void = () => {};
      const late = new Promise<never>((_, reject) => {
        rejectLate = reject;
      });
      await expect(deadline.run(() => late)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      rejectLate(new Error('too late'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('holds no timer once nothing is pending, so it never holds the process open', async () => {
    vi.useFakeTimers();
    try {
      const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 40 });
      await expect(deadline.run(async () => 1)).resolves.toBe(1);
      const hung = deadline.run(never).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(40);
      expect(await hung).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves with the mapped result when given a map; a map that throws fails closed', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 100 });
    await expect(
      deadline.run(
        async () => 'OK',
        (reply) => reply === 'OK',
      ),
    ).resolves.toBe(true);
    // A reply the store cannot read is a store that cannot answer: 503, never made-up data.
    const unreadable = new Error('unexpected reply');
    const error = await deadline
      .run(
        async () => 'OK',
        () => {
          throw unreadable;
        },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', cause: unreadable });
  });

  it('takes an answer that arrived in time though this process stalled past the deadline', async () => {
    // What the soak saw under a load average of 20: the store answered within a millisecond, but
    // the process got no CPU for longer than the deadline, and when it ran again its timer fired
    // before it read the reply waiting in the socket: a 503 for a store that had answered.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    const [peer] = await accepted;
    try {
      const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 50 });
      const outcome = await new Promise<unknown>((resolve) => {
        // From the check phase, so the timers phase (the deadline's) comes before the poll phase.
        setImmediate(() => {
          const reply = deadline.run(
            () =>
              new Promise<string>((answer) => client.once('data', (data) => answer(String(data)))),
          );
          peer.write('PONG'); // in the socket at once: libuv writes synchronously when it can
          const stalledUntil = performance.now() + 150;
          while (performance.now() < stalledUntil) {} // the process stalls past the deadline
          resolve(reply.catch((error: unknown) => error));
        });
      });
      expect(outcome).toBe('PONG');
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('expires the hung operations before and after thousands that settled', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 40 });
    const early = deadline.run(never).catch((e: unknown) => e);
    const settled = await Promise.all(
      Array.from({ length: 3000 }, (_, i) => deadline.run(async () => i)),
    );
    const late = deadline.run(never).catch((e: unknown) => e);
    expect(settled[2999]).toBe(2999);
    for (const error of await Promise.all([early, late])) {
      expect(error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    }
  });
});

// The timing of a store command on a fake clock: answered at its timeout, neither before nor after.
describe('createStoreDeadline on fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails a silent command with ERR_STORE_UNAVAILABLE at its timeout and drops a late answer', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 400 });
    await expect(deadline.run(async () => 7)).resolves.toBe(7);
    let late: (value: number) => void = () => {};
    const silent = deadline.run(() => new Promise<number>((resolve) => (late = resolve)));
    const outcome = silent.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(399);
    let settled = false;
    void outcome.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('ERR_STORE_UNAVAILABLE');
    late(1); // a late answer is dropped, not an unhandled anything
    await vi.advanceTimersByTimeAsync(1000);
  });

  it('does not fail a command before its timeout', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 400 });
    let answer: (value: number) => void = () => {};
    const pending = deadline.run(() => new Promise<number>((resolve) => (answer = resolve)));
    await vi.advanceTimersByTimeAsync(399);
    answer(3);
    await expect(pending).resolves.toBe(3);
  });

  it('gives each command its own full timeout, whenever it started', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 400 });
    const first = deadline.run(never).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(250);
    let answer: (value: string) => void = () => {};
    const second = deadline.run(() => new Promise<string>((resolve) => (answer = resolve)));
    await vi.advanceTimersByTimeAsync(150);
    expect(await first).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    // Started 250 ms after the first: 249 ms later it still waits, at 250 it is answered.
    await vi.advanceTimersByTimeAsync(249);
    answer('late but in time');
    await expect(second).resolves.toBe('late but in time');
    const third = deadline.run(never).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(400);
    expect(await third).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });
});
