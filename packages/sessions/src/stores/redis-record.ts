import type { SessionRecord } from '../store.js';

/** The JSON after `<expiresAt>:` in a Redis session record; short keys, it is stored per session. */
interface StoredFields {
  u: string;
  c: number;
  m: number | null;
  a: string;
  i: string;
  b: string;
}

/** `<expiresAt>:<JSON>`: the scripts read the expiry with one pattern, JSON holds the rest. */
export function encodeRecord(record: SessionRecord): string {
  const fields: StoredFields = {
    u: record.userId,
    c: record.createdAt,
    m: record.mfaAt ?? null,
    a: record.userAgent,
    i: record.ip,
    b: record.binding,
  };
  return `${record.expiresAt}:${JSON.stringify(fields)}`;
}

const DIGITS = /^\d{1,16}$/;

/**
 * A record the scripts read back, with its id and lastSeenAt. Throws on anything this store did
 * not write (the deadline turns that into a 503: a store that holds junk is not trusted).
 */
export function decodeRecord(id: string, text: unknown, lastSeenText: unknown): SessionRecord {
  if (typeof text !== 'string' || typeof lastSeenText !== 'string') {
    throw new TypeError('RedisSessionStore: unreadable reply');
  }
  const colon = text.indexOf(':');
  const expiresText = text.slice(0, colon);
  if (colon < 1 || !DIGITS.test(expiresText) || !DIGITS.test(lastSeenText)) {
    throw new TypeError('RedisSessionStore: unreadable session record');
  }
  const fields = JSON.parse(text.slice(colon + 1)) as StoredFields;
  return {
    id,
    userId: fields.u,
    createdAt: fields.c,
    lastSeenAt: Number(lastSeenText),
    expiresAt: Number(expiresText),
    mfaAt: fields.m ?? undefined,
    userAgent: fields.a,
    ip: fields.i,
    binding: fields.b,
  };
}
