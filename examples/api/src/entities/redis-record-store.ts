import { withTimeout } from '@rampart/core/redis';
import type { EntityRecord, RecordStore } from './record-store.js';

/** The ioredis commands the store uses, typed structurally as the packages' stores do. */
export interface RedisRecordStoreClient {
  rpush(key: string, ...values: string[]): Promise<number>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
}

export interface RedisRecordStoreOptions {
  readonly redis: RedisRecordStoreClient;
  /** Prepended to every key, e.g. `rampart-example:records:`. */
  readonly keyPrefix: string;
  /** How long one command may wait before it fails with a 503; default 1000. */
  readonly timeoutMs?: number;
}

const STORE = 'redis-record-store';

/** Records as JSON strings in one Redis list per entity (`<prefix><entityId>`), appended in order. */
export class RedisRecordStore implements RecordStore {
  readonly #redis: RedisRecordStoreClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisRecordStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  async add(record: EntityRecord): Promise<void> {
    await withTimeout(
      () => this.#redis.rpush(this.#prefix + record.entityId, JSON.stringify(record)),
      {
        store: STORE,
        timeoutMs: this.#timeoutMs,
      },
    );
  }

  async list(entityId: string, limit: number): Promise<EntityRecord[]> {
    const items = await withTimeout(() => this.#redis.lrange(this.#prefix + entityId, -limit, -1), {
      store: STORE,
      timeoutMs: this.#timeoutMs,
    });
    // Only this store writes these keys, with JSON.stringify of a validated record.
    return items.map((item) => JSON.parse(item) as EntityRecord);
  }
}
