import { describe, expect, it } from 'vitest';
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

  it('stops its interval once nothing is pending, so it never holds the process open', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 40 });
    await deadline.run(never).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 10));
    const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
    const intervals = handles.filter(
      (h) => h.constructor.name === 'Timeout' && (h as { _repeat?: number | null })._repeat === 2,
    );
    expect(intervals).toHaveLength(0);
  });

  it('resolves with the mapped result when given a map, and rejects when the map throws', async () => {
    const deadline = createStoreDeadline({ store: 'test-store', timeoutMs: 100 });
    await expect(
      deadline.run(
        async () => 'OK',
        (reply) => reply === 'OK',
      ),
    ).resolves.toBe(true);
    const bug = new Error('map failed');
    await expect(
      deadline.run(
        async () => 'OK',
        () => {
          throw bug;
        },
      ),
    ).rejects.toBe(bug);
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
