import type { SecurityEventSeverity } from '@rampart/core';
import type { PersonalFields } from './personal.js';
import type { AuditAggregate, AuditOutcome, AuditRecord } from './record.js';
import type { CleanEvent } from './sanitize.js';

/** Version of the record text; a reader refuses any other. */
export const BODY_VERSION = 1;

/**
 * The record text, parsed: what the chain covers. Personal fields are either in `actor` (no user:
 * an anonymous request's IP and user agent) or sealed in `personal` under the user's `subject`.
 */
export interface RecordBody {
  v: typeof BODY_VERSION;
  chain: string;
  seq: number;
  at: number;
  type: string;
  severity: SecurityEventSeverity;
  outcome: AuditOutcome;
  /** The user's pseudonym when `personal` is set, else `null`. */
  subject: string | null;
  /** 1, or how many events an aggregate stands for. */
  count: number;
  source: string;
  code?: string;
  reason?: string;
  method?: string;
  route?: string;
  target?: string;
  requestId?: string;
  actor?: { ip?: string; userAgent?: string };
  personal?: string;
  details: Record<string, string | number | boolean>;
  aggregate?: AuditAggregate;
}

/** The sealed part of a record, when it has a user. */
export interface SealedPersonal {
  subject: string;
  sealed: string;
}

/** The filter columns of a row, as `verify()` compares them with the row's text. */
export interface RowColumns {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly severity: string;
  readonly outcome: string;
  readonly subject: string | null;
  readonly count: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DIGIT_0 = 0x30;
/** Longest number read: every integer below 10^15 is exact in a double (times are 13 digits). */
const MAX_DIGITS = 15;

// The matchers below compare character codes in a loop: `String#startsWith` with a position costs
// about 100 ns a call in V8 and `String(number)` allocates, which made this check a quarter of
// verify()'s time.

/** The position after `literal` when `text` has it at `at`, else -1 (and -1 stays -1). */
function literalAt(text: string, at: number, literal: string): number {
  if (at < 0 || at + literal.length > text.length) return -1;
  for (let i = 0; i < literal.length; i++) {
    if (text.charCodeAt(at + i) !== literal.charCodeAt(i)) return -1;
  }
  return at + literal.length;
}

/** The position after the decimal digits of `value` (a non-negative integer) at `at`, else -1. */
function numberAt(text: string, at: number, value: number): number {
  if (at < 0) return -1;
  let read = 0;
  let end = at;
  for (; end < text.length && end - at <= MAX_DIGITS; end++) {
    const digit = text.charCodeAt(end) - DIGIT_0;
    if (digit < 0 || digit > 9) break;
    read = read * 10 + digit;
  }
  // JSON writes no leading zero: `042` is not the text a column of 42 was written as.
  const leadingZero = end - at > 1 && text.charCodeAt(at) === DIGIT_0;
  return end > at && end - at <= MAX_DIGITS && !leadingZero && read === value ? end : -1;
}

/** The position after the JSON string of `value` when `text` has it at `at`, else -1. */
function jsonStringAt(text: string, at: number, value: string): number {
  if (at < 0 || text.charCodeAt(at) !== QUOTE) return -1;
  const end = at + 1 + value.length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // Without `"` or `\` in `value`, `"value"` in the text is a JSON string without escapes, so
    // it reads as `value` exactly; anything else is compared as JSON.stringify writes it.
    if (code === QUOTE || code === BACKSLASH) return literalAt(text, at, JSON.stringify(value));
    if (text.charCodeAt(at + 1 + i) !== code) return -1;
  }
  return text.charCodeAt(end) === QUOTE ? end + 1 : -1;
}

/** `{"v":1,"chain":<chain>,"seq":`: how every record text of `chain` starts. */
export function bodyStart(chain: string): string {
  return `{"v":${BODY_VERSION},"chain":${JSON.stringify(chain)},"seq":`;
}

/**
 * Whether a record's text starts with the fields its filter columns hold, in the order
 * {@link writeBody} writes them (`v` … `count`): `verify()` checks that a stored row's columns
 * still say what its text says this way, without parsing the text or building the prefix.
 * `start` is {@link bodyStart} of the chain.
 */
export function columnsMatchBody(body: string, start: string, columns: RowColumns): boolean {
  let at = literalAt(body, 0, start);
  at = numberAt(body, at, columns.seq);
  at = literalAt(body, at, ',"at":');
  at = numberAt(body, at, columns.at);
  at = literalAt(body, at, ',"type":');
  at = jsonStringAt(body, at, columns.type);
  at = literalAt(body, at, ',"severity":');
  at = jsonStringAt(body, at, columns.severity);
  at = literalAt(body, at, ',"outcome":');
  at = jsonStringAt(body, at, columns.outcome);
  at = literalAt(body, at, ',"subject":');
  at =
    columns.subject === null
      ? literalAt(body, at, 'null')
      : jsonStringAt(body, at, columns.subject);
  at = literalAt(body, at, ',"count":');
  at = numberAt(body, at, columns.count);
  return literalAt(body, at, ',') !== -1;
}

/**
 * Writes the record text. Keys always come in this order and `JSON.stringify` writes numbers and
 * strings one way, so equal records have equal texts; but nothing depends on that: the chain
 * covers the stored text as it is and `verify()` never re-serialises.
 */
export function writeBody(
  chain: string,
  seq: number,
  event: CleanEvent,
  personal: SealedPersonal | undefined,
  aggregate: AuditAggregate | undefined,
): string {
  const body: RecordBody = {
    v: BODY_VERSION,
    chain,
    seq,
    at: event.at,
    type: event.type,
    severity: event.severity,
    outcome: event.outcome,
    subject: personal?.subject ?? null,
    count: aggregate?.count ?? 1,
    source: event.source,
    details:
      personal === undefined ? { ...event.details, ...event.personalDetails } : event.details,
  };
  if (event.code !== undefined) body.code = event.code;
  if (event.reason !== undefined) body.reason = event.reason;
  if (event.method !== undefined) body.method = event.method;
  if (event.route !== undefined) body.route = event.route;
  if (event.target !== undefined) body.target = event.target;
  if (event.requestId !== undefined) body.requestId = event.requestId;
  if (personal !== undefined) {
    body.personal = personal.sealed;
  } else if (event.ip !== undefined || event.userAgent !== undefined) {
    body.actor = {};
    if (event.ip !== undefined) body.actor.ip = event.ip;
    if (event.userAgent !== undefined) body.actor.userAgent = event.userAgent;
  }
  if (aggregate !== undefined) body.aggregate = aggregate;
  return JSON.stringify(body);
}

/** What a user's sealed fields hold for one event. */
export function personalFieldsOf(event: CleanEvent): PersonalFields {
  const fields: PersonalFields = {};
  if (event.userId !== undefined) fields.userId = event.userId;
  if (event.ip !== undefined) fields.ip = event.ip;
  if (event.userAgent !== undefined) fields.userAgent = event.userAgent;
  if (Object.keys(event.personalDetails).length > 0) fields.details = event.personalDetails;
  return fields;
}

/** Parses a record text written by {@link writeBody}; `undefined` for anything else. */
export function parseBody(text: string): RecordBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as RecordBody;
  if (body.v !== BODY_VERSION || typeof body.seq !== 'number' || typeof body.chain !== 'string') {
    return undefined;
  }
  return body;
}

/** A record as readers see it, with the personal fields opened (or marked erased). */
export function toAuditRecord(
  id: string,
  body: RecordBody,
  personal: PersonalFields | undefined,
): AuditRecord {
  const record: AuditRecord = {
    id,
    chain: body.chain,
    seq: body.seq,
    time: new Date(body.at).toISOString(),
    type: body.type,
    severity: body.severity,
    outcome: body.outcome,
    source: body.source,
    actor: {},
    details: { ...body.details },
  };
  if (body.subject !== null) {
    if (personal === undefined) record.erased = true;
    else {
      if (personal.userId !== undefined) record.actor.userId = personal.userId;
      if (personal.ip !== undefined) record.actor.ip = personal.ip;
      if (personal.userAgent !== undefined) record.actor.userAgent = personal.userAgent;
      Object.assign(record.details, personal.details);
    }
  } else if (body.actor !== undefined) {
    record.actor = { ...body.actor };
  }
  for (const name of ['target', 'requestId', 'code', 'reason', 'method', 'route'] as const) {
    const value = body[name];
    if (value !== undefined) record[name] = value;
  }
  if (body.aggregate !== undefined) record.aggregate = { ...body.aggregate };
  return record;
}
