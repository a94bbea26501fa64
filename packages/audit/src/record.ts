import type { SecurityEvent, SecurityEventSeverity } from '@rampart/core';

/** Whether the action an event describes went through. */
export type AuditOutcome = 'success' | 'failure';

/**
 * What one call to `record()` takes: a core `SecurityEvent` (as every package's `onEvent` gives
 * it) or an application event of its own type (`PRIVILEGE_ESCALATION`, `DATA_CREATED` …), plus
 * what only the application knows about the request. There is no field for a secret; `detail`
 * keys that name one (`password`, `token`, `code` …) are recorded as `[redacted]`.
 */
export interface AuditEventInput {
  /** `SECURITY_EVENT_TYPES` or an application type: 1 to 64 of `A-Z 0-9 _`, starting with a letter. */
  type: string;
  severity: SecurityEventSeverity;
  /** Epoch milliseconds; default the trail's clock. */
  at?: number | undefined;
  /** Who emitted it (`@rampart/jwt-nonce`, `app`); default `app`. */
  source?: string | undefined;
  code?: string | undefined;
  reason?: string | undefined;
  ip?: string | undefined;
  userId?: string | undefined;
  method?: string | undefined;
  route?: string | undefined;
  detail?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Default: `failure` for refusals and attacks (see `outcomeOf`), else `success`. */
  outcome?: AuditOutcome | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
  /** What was acted on (`user:42`, `entity:7`); never a secret. */
  target?: string | undefined;
}

/** Request facts the `onEvent` hook does not carry, given beside an event. */
export interface AuditRequestContext {
  requestId?: string | undefined;
  userAgent?: string | undefined;
  target?: string | undefined;
}

/** Who did it. Personal: sealed per user in the trail and unreadable once the user is purged. */
export interface AuditActor {
  userId?: string;
  ip?: string;
  userAgent?: string;
}

/** Counts folded into one record when the queue was full (see docs/audit.md, "Floods"). */
export interface AuditAggregate {
  /** How many events this record stands for. */
  count: number;
  /** Epoch ms of the first and the last event folded. */
  from: number;
  to: number;
  /** True when the actor was folded too (too many distinct actors in the window). */
  anyActor: boolean;
}

/**
 * One record of the trail as a reader sees it (ASVS V16 fields). Personal fields appear only
 * while the user's key exists; after `purgeUser` `actor` is empty and `erased` is true.
 */
export interface AuditRecord {
  /** Global, increasing: the query cursor. */
  id: string;
  chain: string;
  seq: number;
  /** UTC, ISO 8601 with milliseconds. */
  time: string;
  type: string;
  severity: SecurityEventSeverity;
  outcome: AuditOutcome;
  source: string;
  actor: AuditActor;
  target?: string;
  requestId?: string;
  code?: string;
  reason?: string;
  method?: string;
  route?: string;
  details: Record<string, string | number | boolean>;
  aggregate?: AuditAggregate;
  /** The user's key was destroyed: who it was can no longer be read. */
  erased?: true;
}

/** Types that are failures whatever their name says. */
const FAILURE_TYPES = new Set([
  'ACCOUNT_LOCKED',
  'RATE_LIMIT_EXCEEDED',
  'ACCESS_DENIED',
  'TOKEN_REUSE',
  'SESSION_HIJACK_ATTEMPT',
  'API_KEY_COMPROMISED',
  'IDEMPOTENCY_CONFLICT',
  'STORE_UNAVAILABLE',
  'STORE_FULL',
  'CAPACITY_EXCEEDED',
  'PRIVILEGE_ESCALATION',
  'UNAUTHORIZED_ACCESS_ATTEMPT',
  'DATA_BREACH_ATTEMPT',
  'IP_BLOCKED',
]);

/** `failure` for refusals and attacks (`*_FAILURE`, `*_FAILED`, `INVALID_*`, …), else `success`. */
export function outcomeOf(type: string): AuditOutcome {
  if (FAILURE_TYPES.has(type)) return 'failure';
  if (type.startsWith('INVALID_') || type.endsWith('_FAILURE') || type.endsWith('_FAILED')) {
    return 'failure';
  }
  return 'success';
}

/**
 * The critical types of the seed: always recorded one by one (never folded into an aggregate,
 * never dropped) and alerted on by default, whatever severity their emitter gave.
 */
export const CRITICAL_EVENT_TYPES: readonly string[] = Object.freeze([
  'UNAUTHORIZED_ACCESS_ATTEMPT',
  'PRIVILEGE_ESCALATION',
  'DATA_BREACH_ATTEMPT',
  'MASS_DATA_EXPORT',
  'ADMIN_ACTION',
  'SECURITY_SETTING_CHANGE',
  'TOKEN_REUSE',
  'API_KEY_COMPROMISED',
  'ACCOUNT_LOCKED',
  'SESSION_HIJACK_ATTEMPT',
]);

/** An event of the core catalogue as the trail takes it (a `SecurityEvent` is an input as is). */
export type { SecurityEvent };
