import { StoreFullError } from '@rampart/core';
import type { EntityRecord, RecordStore } from './record-store.js';

/** Most records held in memory: writes are authenticated, but still must not grow without end. */
const MAX_RECORDS = 100_000;

/** Records in this process, in insertion order per entity. */
export class MemoryRecordStore implements RecordStore {
  readonly #byEntity = new Map<string, EntityRecord[]>();
  #count = 0;

  add(record: EntityRecord): Promise<void> {
    if (this.#count >= MAX_RECORDS)
      return Promise.reject(new StoreFullError('memory-record-store', MAX_RECORDS));
    const list = this.#byEntity.get(record.entityId);
    if (list === undefined) this.#byEntity.set(record.entityId, [record]);
    else list.push(record);
    this.#count++;
    return Promise.resolve();
  }

  list(entityId: string, limit: number): Promise<EntityRecord[]> {
    return Promise.resolve((this.#byEntity.get(entityId) ?? []).slice(-limit));
  }

  purgeUser(userId: string): Promise<void> {
    for (const [entityId, list] of this.#byEntity) {
      const kept = list.filter((record) => record.createdBy !== userId);
      this.#count -= list.length - kept.length;
      if (kept.length === 0) this.#byEntity.delete(entityId);
      else this.#byEntity.set(entityId, kept);
    }
    return Promise.resolve();
  }
}
