import type { ApiKeyChange, ApiKeyRecord } from '../store.js';

/** A time or count our scripts wrote: digits only (a value that is not is read as absent). */
const DIGITS = /^\d{1,16}$/;

function numberOf(value: string | undefined): number | undefined {
  return value !== undefined && DIGITS.test(value) ? Number(value) : undefined;
}

/** Field, value pairs of a new key's hash (see redis-scripts.ts for the field names). */
export function recordFields(record: ApiKeyRecord): string[] {
  const fields: Array<[string, string | number | undefined]> = [
    ['o', record.ownerId],
    ['n', record.name],
    ['e', record.environment],
    ['s', record.scopes.join(' ')],
    ['h', record.secretHash],
    ['ph', record.previousSecretHash],
    ['pv', record.previousValidUntil],
    ['ss', record.signingSecret],
    ['ps', record.previousSigningSecret],
    ['c', record.createdAt],
    ['x', record.expiresAt],
    ['r', record.rotatedAt],
    ['d', record.rotationDueAt],
    ['u', record.lastUsedAt],
    ['dis', record.disabled ? '1' : undefined],
    ['rv', record.revokedAt],
    ['m', record.metadata === undefined ? undefined : JSON.stringify(record.metadata)],
    ['rl', record.rateLimit?.limit],
    ['rw', record.rateLimit?.windowMs],
  ];
  return fields.flatMap(([name, value]) => (value === undefined ? [] : [name, String(value)]));
}

/** Field, value pairs of a change; an empty value clears the field. */
export function changeFields(change: ApiKeyChange): string[] {
  const text = (value: string | number | null | undefined) =>
    value === undefined ? undefined : value === null ? '' : String(value);
  const fields: Array<[string, string | undefined]> = [
    ['n', change.name],
    ['s', change.scopes?.join(' ')],
    ['dis', change.disabled === undefined ? undefined : change.disabled ? '1' : ''],
    ['h', change.secretHash],
    ['ph', text(change.previousSecretHash)],
    ['pv', text(change.previousValidUntil)],
    ['ss', text(change.signingSecret)],
    ['ps', text(change.previousSigningSecret)],
    ['r', text(change.rotatedAt)],
    ['d', text(change.rotationDueAt)],
  ];
  return fields.flatMap(([name, value]) => (value === undefined ? [] : [name, value]));
}

/** The record of a key hash read with HGETALL; `undefined` for an empty (missing) hash. */
export function parseRecord(id: string, hash: Record<string, string>): ApiKeyRecord | undefined {
  const owner = hash.o;
  const secretHash = hash.h;
  if (owner === undefined || secretHash === undefined) return undefined;
  const limit = numberOf(hash.rl);
  const windowMs = numberOf(hash.rw);
  return Object.freeze({
    id,
    ownerId: owner,
    name: hash.n ?? '',
    environment: hash.e ?? '',
    scopes: Object.freeze(scopesOf(hash.s)),
    secretHash,
    previousSecretHash: hash.ph,
    previousValidUntil: numberOf(hash.pv),
    signingSecret: hash.ss,
    previousSigningSecret: hash.ps,
    createdAt: numberOf(hash.c) ?? 0,
    expiresAt: numberOf(hash.x),
    rotatedAt: numberOf(hash.r),
    rotationDueAt: numberOf(hash.d),
    lastUsedAt: numberOf(hash.u),
    disabled: hash.dis === '1',
    revokedAt: numberOf(hash.rv),
    metadata: hash.m === undefined ? undefined : Object.freeze(JSON.parse(hash.m)),
    rateLimit:
      limit === undefined || windowMs === undefined
        ? undefined
        : Object.freeze({ limit, windowMs }),
  });
}

/**
 * The scopes of an `s` field (space-separated; absent or empty is none), as `split(' ')` reads
 * them. Split by hand: on a reply's fresh string `split` is a runtime call of ~1.5k instructions,
 * a sixth of what a Redis verification's JavaScript adds to the bare round trip.
 */
export function scopesOf(field: unknown): string[] {
  if (typeof field !== 'string' || field === '') return [];
  const scopes: string[] = [];
  let start = 0;
  for (let space = field.indexOf(' '); space !== -1; space = field.indexOf(' ', start)) {
    scopes.push(field.slice(start, space));
    start = space + 1;
  }
  scopes.push(field.slice(start));
  return scopes;
}

/** A reply element that is a time our script returned, or `undefined`. */
export function replyNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? numberOf(value) : undefined;
}
