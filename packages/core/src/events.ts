import { type Clock, systemClock } from './clock.js';

/**
 * The catalogue of security events every package emits through its `onEvent` hook. No package
 * depends on `@rampart/audit`; it provides a sink that records these.
 */
export const SECURITY_EVENT_TYPES = [
  'LOGIN_SUCCESS',
  'LOGIN_FAILURE',
  'LOGOUT',
  'ACCOUNT_LOCKED',
  'ACCOUNT_UNLOCKED',
  'PASSWORD_CHANGED',
  'TOKEN_ISSUED',
  'TOKEN_REFRESHED',
  'TOKEN_REVOKED',
  'TOKEN_REUSE',
  'INVALID_TOKEN',
  'INVALID_NONCE',
  'INVALID_SIGNATURE',
  'RATE_LIMIT_EXCEEDED',
  'ACCESS_DENIED',
  'PRIVILEGE_ESCALATION',
  'IP_BLOCKED',
  'SECURITY_SETTING_CHANGE',
  'ROLE_CHANGED',
  'SESSION_CREATED',
  'SESSION_REVOKED',
  'SESSION_HIJACK_ATTEMPT',
  /** A session presented from a changed but not refused browser or network (@rampart/sessions' binding scorer). */
  'SESSION_SUSPICIOUS',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'MFA_CHALLENGE_FAILED',
  'MFA_RECOVERY_CODE_USED',
  'API_KEY_CREATED',
  'API_KEY_ROTATED',
  'API_KEY_REVOKED',
  'API_KEY_COMPROMISED',
  'API_KEY_ROTATION_DUE',
  'IDEMPOTENCY_CONFLICT',
  'USER_DATA_PURGED',
  'STORE_UNAVAILABLE',
  'STORE_RECOVERED',
  'STORE_FULL',
  /**
   * Costly work refused at capacity (503 `ERR_BUSY`): @rampart/passwords' hashing queue was full,
   * so a login or registration was turned away. One per refusal; a flood is a login flood.
   */
  'CAPACITY_EXCEEDED',
  'CONFIG_WARNING',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

export type SecurityEventSeverity = 'info' | 'warning' | 'critical';

/**
 * One security event. Secrets, tokens, passwords, OTPs and session ids never appear here:
 * `detail` carries only ids, codes and counts.
 */
export interface SecurityEvent {
  type: SecurityEventType;
  severity: SecurityEventSeverity;
  /** Epoch milliseconds, from the emitter's clock. */
  at: number;
  /** The package that emitted it, e.g. `@rampart/request-signing`. */
  source: string;
  /**
   * The `ERR_*` code of the `RampartError` behind the event (`ERR_TOKEN_INVALID`,
   * `ERR_SIGNATURE_INVALID`, `ERR_STORE_UNAVAILABLE` …): the same code the client or the caller
   * saw, in every package. Why it happened goes in `reason`.
   */
  code?: string;
  /**
   * Why, in the package's words (`revoked`, `unknown-jti`, `signature mismatch`), when one code
   * covers several causes. Never a secret, never text from the request.
   */
  reason?: string;
  ip?: string;
  userId?: string;
  method?: string;
  /** The matched route pattern, never the raw path. */
  route?: string;
  detail?: Readonly<Record<string, string | number | boolean>>;
}

/** An event as a package describes it; the emitter adds `at` and `source`. */
export type SecurityEventInit = Omit<SecurityEvent, 'at' | 'source'>;

/** Emits one security event from a package, dated by its clock. */
export type EmitSecurityEvent = (event: SecurityEventInit) => void;

/** Options of {@link createEventEmitter}. */
export interface EventEmitterOptions {
  /** The package that emits, e.g. `@rampart/request-signing`. */
  source: string;
  /** Dates each event. Default `systemClock`. */
  clock?: Clock | undefined;
  /** The user's hook; without one, events are not even built into objects. */
  onEvent?: SecurityEventHandler | undefined;
}

/**
 * The one way a package emits its events: bound once, at construction, to the package's
 * `source`, its clock and the user's `onEvent`. Each event is delivered through
 * {@link emitEvent}, so a throwing hook never breaks the request it describes.
 *
 * @example
 * const emit = createEventEmitter({ source: '@rampart/jwt-nonce', clock, onEvent });
 * emit({ type: 'INVALID_TOKEN', severity: 'warning', code: 'ERR_TOKEN_INVALID', reason: 'revoked' });
 */
export function createEventEmitter(options: EventEmitterOptions): EmitSecurityEvent {
  const { source, clock = systemClock, onEvent } = options;
  if (onEvent === undefined) return function emitNothing(): void {};
  return function emit(event: SecurityEventInit): void {
    emitEvent(onEvent, { ...event, at: clock.now(), source });
  };
}

/** The hook every package accepts. It must not throw; if it does, the error is reported once as a warning. */
export type SecurityEventHandler = (event: SecurityEvent) => void;

let reportedHookFailure = false;

/**
 * Calls `onEvent` without letting a failing hook break the request it describes. The first
 * failure is reported as a process warning (`RAMPART_EVENT_HOOK_FAILED`), later ones are not.
 */
export function emitEvent(onEvent: SecurityEventHandler | undefined, event: SecurityEvent): void {
  if (onEvent === undefined) return;
  try {
    onEvent(event);
  } catch (error) {
    if (reportedHookFailure) return;
    reportedHookFailure = true;
    process.emitWarning(
      `onEvent threw while handling ${event.type}: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'RAMPART_EVENT_HOOK_FAILED' },
    );
  }
}
