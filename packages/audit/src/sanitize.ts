import type { SecurityEventSeverity } from '@rampart/core';
import { type AuditEventInput, type AuditOutcome, outcomeOf } from './record.js';

/** Caps per field, in UTF-16 units: a record never grows with what an attacker sends. */
export const FIELD_LIMITS = Object.freeze({
  type: 64,
  source: 64,
  code: 64,
  reason: 200,
  ip: 64,
  userId: 128,
  userAgent: 256,
  requestId: 128,
  target: 256,
  method: 16,
  route: 256,
  detailKeys: 32,
  detailKey: 64,
  detailValue: 256,
});

const TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const DETAIL_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const EMAIL_PATTERN = /[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * Detail keys that name a secret (compared lower-case, without `_` and `-`): their value is
 * recorded as `[redacted]`. Packages never put one there; this is the net under an app that would.
 */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'newpassword',
  'currentpassword',
  'oldpassword',
  'secret',
  'clientsecret',
  'signingsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'key',
  'otp',
  'totp',
  'code',
  'recoverycode',
  'sessionid',
  'session',
  'cookie',
  'authorization',
  'signature',
  'privatekey',
]);

/** Detail keys whose value says who someone is: sealed with the actor's other personal fields. */
const PERSONAL_KEYS = new Set(['email', 'emailaddress', 'username', 'name', 'phone', 'useragent']);

/** The replacement of a redacted value. */
export const REDACTED = '[redacted]';

/** An event made safe to record: capped, typed, secrets redacted, personal details apart. */
export interface CleanEvent {
  at: number;
  type: string;
  severity: SecurityEventSeverity;
  outcome: AuditOutcome;
  source: string;
  code?: string;
  reason?: string;
  method?: string;
  route?: string;
  target?: string;
  requestId?: string;
  userId?: string;
  ip?: string;
  userAgent?: string;
  details: Record<string, string | number | boolean>;
  /** Details that identify a person (emails, names): sealed with the actor. */
  personalDetails: Record<string, string>;
}

/**
 * `text` cut to `max` UTF-16 units (an ellipsis marks the cut; a surrogate pair is never split)
 * and made well-formed, or `undefined` for anything that is not a non-empty string.
 */
export function capText(text: unknown, max: number): string | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  let value = text.length > max ? text.slice(0, max - 1) : text;
  if (value !== text) {
    const last = value.charCodeAt(value.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) value = value.slice(0, -1);
    value = `${value}…`;
  }
  return value.isWellFormed() ? value : value.toWellFormed();
}

const SEVERITIES = new Set<string>(['info', 'warning', 'critical']);

function cleanDetails(
  detail: AuditEventInput['detail'],
  details: CleanEvent['details'],
  personal: CleanEvent['personalDetails'],
): void {
  if (detail === undefined || detail === null || typeof detail !== 'object') return;
  let kept = 0;
  for (const key of Object.keys(detail)) {
    if (kept === FIELD_LIMITS.detailKeys) {
      details.truncated = true;
      return;
    }
    if (!DETAIL_KEY_PATTERN.test(key)) continue;
    const value: unknown = detail[key];
    const folded = key.toLowerCase().replace(/[_-]/g, '');
    kept++;
    if (SECRET_KEYS.has(folded)) {
      details[key] = REDACTED;
    } else if (typeof value === 'string') {
      const text = capText(value, FIELD_LIMITS.detailValue) ?? '';
      if (PERSONAL_KEYS.has(folded) || EMAIL_PATTERN.test(text)) personal[key] = text;
      else details[key] = text;
    } else if (
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      details[key] = value;
    }
  }
}

/** Turns what `record()` was given into a {@link CleanEvent}; never throws on any input. */
export function cleanEvent(input: AuditEventInput, fallbackAt: number): CleanEvent {
  const type =
    typeof input.type === 'string' && TYPE_PATTERN.test(input.type) ? input.type : 'UNKNOWN_EVENT';
  const at =
    typeof input.at === 'number' && Number.isSafeInteger(input.at) && input.at >= 0
      ? input.at
      : fallbackAt;
  const clean: CleanEvent = {
    at,
    type,
    severity: SEVERITIES.has(input.severity) ? input.severity : 'warning',
    outcome:
      input.outcome === 'success' || input.outcome === 'failure' ? input.outcome : outcomeOf(type),
    source: capText(input.source, FIELD_LIMITS.source) ?? 'app',
    details: {},
    personalDetails: {},
  };
  const optional = [
    ['code', input.code, FIELD_LIMITS.code],
    ['reason', input.reason, FIELD_LIMITS.reason],
    ['method', input.method, FIELD_LIMITS.method],
    ['route', input.route, FIELD_LIMITS.route],
    ['target', input.target, FIELD_LIMITS.target],
    ['requestId', input.requestId, FIELD_LIMITS.requestId],
    ['userId', input.userId, FIELD_LIMITS.userId],
    ['ip', input.ip, FIELD_LIMITS.ip],
    ['userAgent', input.userAgent, FIELD_LIMITS.userAgent],
  ] as const;
  for (const [name, value, max] of optional) {
    const text = capText(value, max);
    if (text !== undefined) clean[name] = text;
  }
  if (type !== input.type) clean.details.originalType = capText(input.type, 64) ?? '';
  cleanDetails(input.detail, clean.details, clean.personalDetails);
  return clean;
}
