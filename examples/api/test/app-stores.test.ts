import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig, STORE_KINDS, type StoreKind } from '../src/config.js';
import type { EntityRecord } from '../src/entities/record-store.js';
import { type AppStores, openStores } from '../src/stores/app-stores.js';
import type { User } from '../src/users/user-store.js';
import { available, isolation } from './store-isolation.js';

// The app's own stores (users, records), opened exactly as `main.ts` opens them.
function open(store: StoreKind): Promise<AppStores> {
  return openStores(parseConfig(['--store', store, '--fresh'], { ...isolation }));
}

function user(email: string, overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    email,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    role: 'user',
    locked: false,
    createdAt: 1_700_000_000_123,
    ...overrides,
  };
}

describe.each(STORE_KINDS)('the %s stores', (kind) => {
  it.skipIf(!available[kind])('keep users by id and by normalised email', async () => {
    const stores = await open(kind);
    try {
      const alice = user(`  Alice-${randomUUID()}@Example.COM `, { role: 'admin', locked: true });
      await stores.users.create(alice);
      const stored = { ...alice, email: alice.email.trim().toLowerCase() };
      expect(await stores.users.findById(alice.id)).toEqual(stored);
      expect(await stores.users.findByEmail(alice.email.toUpperCase())).toEqual(stored);
      expect(await stores.users.findById(randomUUID())).toBeUndefined();
      expect(await stores.users.findByEmail('nobody@example.com')).toBeUndefined();

      expect(
        await stores.users.setPasswordHash(alice.id, '$argon2id$new', alice.passwordHash),
      ).toBe(true);
      expect((await stores.users.findById(alice.id))?.passwordHash).toBe('$argon2id$new');
      // Only over the hash the caller read: a write that lost a race to another changes nothing.
      expect(
        await stores.users.setPasswordHash(alice.id, '$argon2id$stale', alice.passwordHash),
      ).toBe(false);
      expect((await stores.users.findById(alice.id))?.passwordHash).toBe('$argon2id$new');
      // Ten writers over one read hash (two password changes, a rehash): exactly one wins.
      const written = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          stores.users.setPasswordHash(alice.id, `$argon2id$racer-${i}`, '$argon2id$new'),
        ),
      );
      expect(written.filter(Boolean)).toHaveLength(1);
      // Only an existing user is updated: no half user appears.
      const ghost = randomUUID();
      expect(await stores.users.setPasswordHash(ghost, '$argon2id$new', alice.passwordHash)).toBe(
        false,
      );
      expect(await stores.users.findById(ghost)).toBeUndefined();
    } finally {
      await stores.close();
    }
  });

  it.skipIf(!available[kind])('create is atomic on the email: 25 racers, one winner', async () => {
    const stores = await open(kind);
    try {
      const email = `race-${randomUUID()}@example.com`;
      const results = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) =>
          stores.users.create(user(i % 2 ? email : email.toUpperCase())),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason.code).toBe('ERR_EMAIL_TAKEN');
      }
    } finally {
      await stores.close();
    }
  });

  it.skipIf(!available[kind])('purgeUser forgets the user and frees the email', async () => {
    const stores = await open(kind);
    try {
      const bob = user(`bob-${randomUUID()}@example.com`);
      await stores.users.create(bob);
      await stores.users.purgeUser(bob.id);
      expect(await stores.users.findById(bob.id)).toBeUndefined();
      expect(await stores.users.findByEmail(bob.email)).toBeUndefined();
      await stores.users.create(user(bob.email));
      await stores.users.purgeUser(randomUUID()); // an unknown id is no error
    } finally {
      await stores.close();
    }
  });

  it.skipIf(!available[kind])('list the latest records of an entity, oldest first', async () => {
    const stores = await open(kind);
    try {
      const entityId = `e-${randomUUID()}`;
      const made: EntityRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const record: EntityRecord = {
          id: randomUUID(),
          entityId,
          data: { i, nested: { list: [i, 'é'] } },
          createdBy: 'u1',
          createdAt: 1_700_000_000_000 + i,
        };
        made.push(record);
        await stores.records.add(record);
      }
      await stores.records.add({
        ...(made[0] as EntityRecord),
        id: randomUUID(),
        entityId: 'other',
      });
      expect(await stores.records.list(entityId, 100)).toEqual(made);
      expect(await stores.records.list(entityId, 2)).toEqual(made.slice(-2));
      expect(await stores.records.list(`none-${randomUUID()}`, 100)).toEqual([]);
    } finally {
      await stores.close();
    }
  });

  it.skipIf(!available[kind])(
    'purgeUser deletes every record the user created, in every entity, and no other',
    async () => {
      const stores = await open(kind);
      try {
        const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
        const entities = [`e-${randomUUID()}`, `e-${randomUUID()}`];
        const record = (entityId: string, createdBy: string, i: number): EntityRecord => ({
          id: randomUUID(),
          entityId,
          data: { i },
          createdBy,
          createdAt: 1_700_000_000_000 + i,
        });
        const kept: EntityRecord[][] = [[], []];
        for (let i = 0; i < 6; i++) {
          const entity = i % 2;
          await stores.records.add(record(entities[entity] as string, alice, i));
          const bobs = record(entities[entity] as string, bob, i);
          await stores.records.add(bobs);
          kept[entity]?.push(bobs);
        }
        await stores.records.purgeUser(alice);
        await stores.records.purgeUser(alice); // idempotent
        await stores.records.purgeUser(`nobody-${randomUUID()}`);
        expect(await stores.records.list(entities[0] as string, 100)).toEqual(kept[0]);
        expect(await stores.records.list(entities[1] as string, 100)).toEqual(kept[1]);
      } finally {
        await stores.close();
      }
    },
  );
});
