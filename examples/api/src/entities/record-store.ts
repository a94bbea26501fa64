import type { UserDataPurger } from '@rampart/core';

/** One record of an entity, as `POST /api/v1/entities/:entityId/records` created it. */
export interface EntityRecord {
  readonly id: string;
  readonly entityId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The user id of the authenticated caller. */
  readonly createdBy: string;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** Records of entities, on one backend. */
export interface RecordStore extends UserDataPurger {
  add(record: EntityRecord): Promise<void>;
  /** The latest `limit` records of the entity, oldest first. */
  list(entityId: string, limit: number): Promise<EntityRecord[]>;
  /** Right to erasure (core's `UserDataPurger`): deletes every record `userId` created. */
  purgeUser(userId: string): Promise<void>;
}

/** Most records a list returns: one page is all the example serves. */
export const LIST_LIMIT = 100;
