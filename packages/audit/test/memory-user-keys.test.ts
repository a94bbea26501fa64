import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../src/index.js';
import { makeTrail } from './helpers/trail.js';

/** Past the writer's idle window (a minute), so its cache lets go of users who stopped acting. */
const IDLE_MS = 61_000;

describe("the memory store's user keys are bounded by the records it holds", () => {
  it('stays flat under turnover: 30 rounds of 100 new users keep at most the held records and the cached users', async () => {
    const store = new MemoryAuditStore({ maxRecords: 100 });
    const { trail, clock } = makeTrail(store);
    const sizes: number[] = [];
    for (let round = 0; round < 30; round++) {
      for (let user = 0; user < 100; user++) {
        trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `r${round}-u${user}` });
      }
      await trail.flush();
      sizes.push(store.userKeyCount);
      clock.advance(IDLE_MS);
    }
    // 100 held records name 100 users; the writer still holds the last round's 100 keys. Every
    // earlier user went with their records (an unbounded map held 3,000 by the end).
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200);
    expect(sizes.slice(-1)[0]).toBe(100);
    expect(await trail.verify()).toMatchObject({ valid: true });
    await trail.close();
    // Closed, the writer lets go of its keys: only the held records' users remain.
    expect(store.userKeyCount).toBe(100);
  });

  it('keeps the key of a user with a held record however many other users come and go', async () => {
    const store = new MemoryAuditStore({ maxRecords: 50 });
    const { trail, clock } = makeTrail(store);
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'alice', ip: '192.0.2.1' });
    for (let round = 0; round < 10; round++) {
      // 40 one-off users a round: Alice's record stays among the 50 held, theirs are evicted.
      for (let user = 0; user < 40; user++) {
        trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `r${round}-u${user}` });
      }
      await trail.flush();
      clock.advance(IDLE_MS);
      trail.record({ type: 'LOGOUT', severity: 'info', userId: 'alice', ip: '192.0.2.1' });
    }
    await trail.flush();
    const { items } = await trail.query({ userId: 'alice', limit: 100 });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.actor.ip === '192.0.2.1')).toBe(true);
    expect(items.some((item) => item.erased)).toBe(false);
    await trail.close();
  });

  it("keeps the key the writer still seals with after the user's held records were all evicted", async () => {
    const store = new MemoryAuditStore({ maxRecords: 10 });
    const { trail } = makeTrail(store);
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'alice', ip: '192.0.2.1' });
    await trail.flush();
    // Within the writer's idle window: Alice's only record is evicted, her key is still cached.
    for (let user = 0; user < 20; user++) {
      trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `user-${user}` });
    }
    await trail.flush();
    trail.record({ type: 'LOGOUT', severity: 'info', userId: 'alice', ip: '192.0.2.1' });
    await trail.flush();
    const { items } = await trail.query({ userId: 'alice' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'LOGOUT', actor: { userId: 'alice', ip: '192.0.2.1' } });
    expect(items[0]?.erased).toBeUndefined();
    await trail.close();
  });

  it('keeps an erased user erased: a later record gets a new key, the old records stay unreadable', async () => {
    const store = new MemoryAuditStore({ maxRecords: 20 });
    const { trail, clock } = makeTrail(store);
    for (let i = 0; i < 3; i++) {
      trail.record({
        type: 'LOGIN_FAILURE',
        severity: 'warning',
        userId: 'alice',
        ip: '192.0.2.1',
      });
    }
    await trail.flush();
    await trail.purgeUser('alice');
    expect(store.userKeyCount).toBe(0);
    clock.advance(1_000);
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'alice', ip: '192.0.2.2' });
    await trail.flush();
    expect(store.userKeyCount).toBe(1);

    const { items } = await trail.query({ limit: 100 });
    expect(items.filter((item) => item.erased)).toHaveLength(3);
    expect(JSON.stringify(items)).not.toContain('192.0.2.1');
    const alice = await trail.query({ userId: 'alice' });
    expect(alice.items.map((item) => item.actor.ip)).toEqual(['192.0.2.2']);

    // The erased records are evicted: nothing of the new key is touched by their going.
    for (let user = 0; user < 19; user++) {
      trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `user-${user}` });
    }
    await trail.flush();
    expect((await trail.query({ userId: 'alice' })).items.map((item) => item.actor.ip)).toEqual([
      '192.0.2.2',
    ]);
    expect(await trail.verify()).toMatchObject({ valid: true });
    await trail.close();
  });

  it('drops the keys of records deleted by retention', async () => {
    const store = new MemoryAuditStore();
    const { trail, clock } = makeTrail(store, { checkpointEvery: 10 });
    for (let user = 0; user < 20; user++) {
      trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `user-${user}` });
    }
    await trail.flush();
    clock.advance(IDLE_MS);
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'late' });
    await trail.close();
    expect(store.userKeyCount).toBe(21);
    // Retention deletes through the newest checkpoint before the cutoff (the 20 older records).
    expect(await trail.purgeOlderThan(clock.now())).toBe(20);
    expect(store.userKeyCount).toBe(1);
    expect((await trail.query({ userId: 'late' })).items).toHaveLength(1);
  });
});
