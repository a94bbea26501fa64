import { AuditQueryError } from './errors.js';
import type { AuditOutcome } from './record.js';

/** A query of the trail; every filter is optional. Newest first. */
export interface AuditQuery {
  /** One type or several. */
  type?: string | readonly string[] | undefined;
  userId?: string | undefined;
  outcome?: AuditOutcome | undefined;
  /** Epoch ms or a `Date`, inclusive. */
  since?: number | Date | undefined;
  /** Epoch ms or a `Date`, exclusive. */
  until?: number | Date | undefined;
  /** 1 to 500; default 50. */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

const TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const CURSOR = /^[1-9][0-9]{0,15}$/;
const LIMIT = /^[1-9][0-9]{0,2}$/;
/** UTC ISO 8601 as `Date#toISOString` writes it, or a date alone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z)?$/;
const USER_ID = /^[\x21-\x7e]{1,128}$/;

function time(name: string, text: string): number {
  const at = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at))
    throw new AuditQueryError(name, 'a UTC time such as 2025-01-31T12:00:00Z');
  return at;
}

/**
 * Parses the query string of an audit search (`type`, `userId`, `outcome`, `since`, `until`,
 * `limit`, `cursor`) strictly: anything malformed is a 400 `ERR_AUDIT_QUERY_INVALID` naming the
 * parameter, never a 500. Unknown parameters are refused the same way.
 */
export function parseAuditQuery(params: Readonly<Record<string, unknown>>): AuditQuery {
  const query: AuditQuery = {};
  for (const [name, raw] of Object.entries(params)) {
    if (typeof raw !== 'string') throw new AuditQueryError(name, 'given once, as text');
    switch (name) {
      case 'type': {
        const types = raw.split(',');
        if (types.length > 20 || !types.every((type) => TYPE.test(type))) {
          throw new AuditQueryError(name, 'up to 20 event types (A-Z 0-9 _), comma-separated');
        }
        query.type = types;
        break;
      }
      case 'userId':
        if (!USER_ID.test(raw))
          throw new AuditQueryError(name, '1 to 128 printable ASCII characters');
        query.userId = raw;
        break;
      case 'outcome':
        if (raw !== 'success' && raw !== 'failure')
          throw new AuditQueryError(name, 'success or failure');
        query.outcome = raw;
        break;
      case 'since':
      case 'until':
        query[name] = time(name, raw);
        break;
      case 'limit':
        if (!LIMIT.test(raw) || Number(raw) > 500)
          throw new AuditQueryError(name, 'an integer from 1 to 500');
        query.limit = Number(raw);
        break;
      case 'cursor':
        if (!CURSOR.test(raw)) throw new AuditQueryError(name, 'a nextCursor from an earlier page');
        query.cursor = raw;
        break;
      default:
        throw new AuditQueryError(
          name,
          'one of type, userId, outcome, since, until, limit, cursor',
        );
    }
  }
  return query;
}

/** Checks a typed query (what callers in code pass) the same way. */
export function checkQuery(query: AuditQuery): {
  types: string[] | undefined;
  since: number | undefined;
  until: number | undefined;
  limit: number;
} {
  const types =
    query.type === undefined
      ? undefined
      : typeof query.type === 'string'
        ? [query.type]
        : [...query.type];
  if (types !== undefined && !types.every((type) => TYPE.test(type))) {
    throw new AuditQueryError('type', 'event types (A-Z 0-9 _)');
  }
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new AuditQueryError('limit', 'an integer from 1 to 500');
  }
  if (query.cursor !== undefined && !CURSOR.test(query.cursor)) {
    throw new AuditQueryError('cursor', 'a nextCursor from an earlier page');
  }
  if (query.outcome !== undefined && query.outcome !== 'success' && query.outcome !== 'failure') {
    throw new AuditQueryError('outcome', 'success or failure');
  }
  const ms = (value: number | Date | undefined, name: string) => {
    if (value === undefined) return undefined;
    const at = value instanceof Date ? value.getTime() : value;
    if (!Number.isFinite(at)) throw new AuditQueryError(name, 'a time');
    return at;
  };
  return { types, since: ms(query.since, 'since'), until: ms(query.until, 'until'), limit };
}
