import { RedisScript, type RedisScriptClient, withTimeout } from '@rampart/core/redis';
import type { EntityRecord, RecordStore } from './record-store.js';

/** The ioredis commands the store uses, typed structurally as the packages' stores do. */
export interface RedisRecordStoreClient extends RedisScriptClient {
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  smembers(key: string): Promise<string[]>;
}

export interface RedisRecordStoreOptions {
  readonly redis: RedisRecordStoreClient;
  /** Prepended to every key, e.g. `rampart-example:records:`. */
  readonly keyPrefix: string;
  /** How long one command may wait before it fails with a 503; default 1000. */
  readonly timeoutMs?: number;
}

const STORE = 'redis-record-store';

/** Appends the record and notes its entity among its creator's: one atomic step. */
const ADD = new RedisScript(`
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1`);

/**
 * Removes one user's records from one entity's list, then the entity from the user's set (none
 * of theirs is left there): atomic per entity, so a record added meanwhile is removed or noted.
 */
const PURGE_ENTITY = new RedisScript(`
local removed = 0
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if cjson.decode(item).createdBy == ARGV[1] then
    removed = removed + redis.call('LREM', KEYS[1], 1, item)
  end
end
redis.call('SREM', KEYS[2], ARGV[2])
return removed`);

/**
 * Records as JSON strings in one Redis list per entity (`<prefix>{r}:entity:<entityId>`),
 * appended in order, and per creator the set of entities they wrote to
 * (`<prefix>{r}:by-user:<userId>`), which `purgeUser` walks.
 *
 * Every key carries the hash tag `{r}`: the scripts touch an entity's list and a user's set at
 * once, which Redis Cluster refuses (CROSSSLOT) unless both sit in one slot. One slot for all
 * records is the example's trade, as `{u}` is for users: a store of real volume would keep
 * the by-user index beside each record instead.
 */
export class RedisRecordStore implements RecordStore {
  readonly #redis: RedisRecordStoreClient;
  readonly #entities: string;
  readonly #byUsers: string;
  readonly #timeoutMs: number;

  constructor(options: RedisRecordStoreOptions) {
    this.#redis = options.redis;
    this.#entities = `${options.keyPrefix}{r}:entity:`;
    this.#byUsers = `${options.keyPrefix}{r}:by-user:`;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  async add(record: EntityRecord): Promise<void> {
    await this.#run(() =>
      ADD.run(
        this.#redis,
        [this.#entities + record.entityId, this.#byUser(record.createdBy)],
        [JSON.stringify(record), record.entityId],
      ),
    );
  }

  async list(entityId: string, limit: number): Promise<EntityRecord[]> {
    const items = await this.#run(() => this.#redis.lrange(this.#entities + entityId, -limit, -1));
    // Only this store writes these keys, with JSON.stringify of a validated record.
    return items.map((item) => JSON.parse(item) as EntityRecord);
  }

  async purgeUser(userId: string): Promise<void> {
    const byUser = this.#byUser(userId);
    const entityIds = await this.#run(() => this.#redis.smembers(byUser));
    for (const entityId of entityIds) {
      await this.#run(() =>
        PURGE_ENTITY.run(this.#redis, [this.#entities + entityId, byUser], [userId, entityId]),
      );
    }
  }

  #byUser(userId: string): string {
    return this.#byUsers + userId;
  }

  #run<T>(operation: () => PromiseLike<T>): Promise<T> {
    return withTimeout(operation, { store: STORE, timeoutMs: this.#timeoutMs });
  }
}
