import { randomUUID } from 'node:crypto';
import type { AuthContext } from '@rampart/core';
import { z } from 'zod';
import { assertPermission } from '../auth/permissions.js';
import { parseInput } from '../parse-input.js';
import type { User } from '../users/user-store.js';
import { type EntityRecord, LIST_LIMIT, type RecordStore } from './record-store.js';

/**
 * An entity id: letters, digits, `_` and `-`, 1 to 64. Checked after the framework decoded the
 * path, so `a%2Fb` arrives as `a/b` and is refused; the id becomes a Redis key and a SQL value.
 */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const entityIdSchema = z.string().regex(ENTITY_ID_PATTERN, 'must be 1 to 64 of A-Z a-z 0-9 _ -');

/** Largest `data` kept, as JSON: a record is a small document, not a file store. */
const MAX_DATA_BYTES = 16 * 1024;
const MAX_DATA_KEYS = 100;

/** A NUL, or half of a surrogate pair: text Postgres cannot store (jsonb refuses both). */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True when every string of `value`, keys included, can be stored on every backend. Checked
 * here so all three stores accept the same records, and a bad one is a 400, not a store error.
 */
function storable(value: unknown): boolean {
  if (typeof value === 'string') return !UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(([key, item]) => storable(key) && storable(item));
  }
  return true;
}

const recordBody = z.strictObject({
  data: z
    .record(z.string().min(1).max(128), z.json())
    .refine(storable, { message: 'must not contain NUL characters or unpaired surrogates' })
    .refine((data) => Object.keys(data).length <= MAX_DATA_KEYS, {
      message: `must have at most ${MAX_DATA_KEYS} members`,
    })
    .refine((data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES, {
      message: `must be at most ${MAX_DATA_BYTES} bytes as JSON`,
    }),
});

/** `POST` and `GET /api/v1/entities/:entityId/records`, after authentication and signing. */
export interface EntityService {
  create(
    user: User,
    auth: AuthContext,
    entityId: unknown,
    body: unknown,
  ): Promise<Omit<EntityRecord, 'createdAt'>>;
  list(user: User, entityId: unknown): Promise<{ records: Array<Omit<EntityRecord, 'createdAt'>> }>;
}

function view(record: EntityRecord): Omit<EntityRecord, 'createdAt'> {
  return {
    id: record.id,
    entityId: record.entityId,
    data: record.data,
    createdBy: record.createdBy,
  };
}

export function createEntityService(records: RecordStore): EntityService {
  return Object.freeze({
    async create(user: User, auth: AuthContext, entityIdParam: unknown, body: unknown) {
      assertPermission(user, 'entities:write');
      const entityId = parseInput(entityIdSchema, entityIdParam, 'entityId');
      const { data } = parseInput(recordBody, body);
      const record: EntityRecord = {
        id: randomUUID(),
        entityId,
        data,
        createdBy: auth.userId,
        createdAt: Date.now(),
      };
      await records.add(record);
      return view(record);
    },

    async list(user: User, entityIdParam: unknown) {
      assertPermission(user, 'entities:read');
      const entityId = parseInput(entityIdSchema, entityIdParam, 'entityId');
      return { records: (await records.list(entityId, LIST_LIMIT)).map(view) };
    },
  });
}
