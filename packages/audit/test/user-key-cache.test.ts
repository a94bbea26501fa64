import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, type UserKeyEntry } from '../src/index.js';
import { makeTrail } from './helpers/trail.js';

/** A memory store counting the users whose keys the writer asked for. */
class CountingStore extends MemoryAuditStore {
  readonly asked: string[] = [];
  override async ensureUserKeys(entries: readonly UserKeyEntry[]): Promise<UserKeyEntry[]> {
    this.asked.push(...entries.map((entry) => entry.userRef));
    return super.ensureUserKeys(entries);
  }
}

describe("the writer's cache of users' keys", () => {
  it('keeps the key of a user who keeps acting, and lets go of one idle for a minute', async () => {
    const store = new CountingStore();
    const { trail, clock } = makeTrail(store);
    const record = async (userId: string) => {
      trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId, ip: '203.0.113.9' });
      await trail.flush();
    };

    await record('active');
    await record('leaving');
    expect(store.asked).toHaveLength(2);
    for (let second = 0; second < 55; second += 5) {
      clock.advance(5_000);
      await record('active');
    }
    // 55 s on: both still cached, the active one used all along.
    await record('leaving');
    expect(store.asked).toHaveLength(2);

    clock.advance(61_000);
    await record('active');
    // The idle check runs as a batch is prepared: "leaving" went, "active" (asked again: it too
    // was idle) is back; "leaving" is asked for again when it next acts.
    expect(store.asked).toHaveLength(3);
    await record('leaving');
    expect(store.asked).toHaveLength(4);
    // The same key came back from the store: both users' fields still open.
    const page = await trail.query({ limit: 100 });
    expect(page.items).toHaveLength(16);
    expect(page.items.every((item) => item.actor.ip === '203.0.113.9')).toBe(true);
    expect(await trail.verify()).toEqual({ valid: true, checked: 16 });
    await trail.close();
  });

  it('lets go of one-off users as they go idle: the first of 5,000 is asked for again, the last is not', async () => {
    const store = new CountingStore();
    const { trail, clock } = makeTrail(store);
    for (let user = 0; user < 5000; user++) {
      trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: `user-${user}` });
      if (user % 100 === 99) {
        await trail.flush();
        clock.advance(2_000);
      }
    }
    await trail.flush();
    expect(store.asked).toHaveLength(5000);
    // 100 users every 2 s for 100 s: user-0 was idle for 100 s, user-4999 acted just now.
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'user-4999' });
    await trail.flush();
    expect(store.asked).toHaveLength(5000);
    trail.record({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'user-0' });
    await trail.flush();
    expect(store.asked).toHaveLength(5001);
    expect(await trail.verify()).toEqual({ valid: true, checked: 5002 });
    await trail.close();
  });
});
