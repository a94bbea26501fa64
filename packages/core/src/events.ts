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
  'ROLE_CHANGED',
  'SESSION_CREATED',
  'SESSION_REVOKED',
  'SESSION_HIJACK_ATTEMPT',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'MFA_CHALLENGE_FAILED',
  'MFA_RECOVERY_CODE_USED',
  'API_KEY_CREATED',
  'API_KEY_ROTATED',
  'API_KEY_REVOKED',
  'API_KEY_COMPROMISED',
  'IDEMPOTENCY_CONFLICT',
  'USER_DATA_PURGED',
  'STORE_UNAVAILABLE',
  'STORE_RECOVERED',
  'STORE_FULL',
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
  /** A stable code, usually the `RampartError` code behind the event. */
  code?: string;
  ip?: string;
  userId?: string;
  method?: string;
  /** The matched route pattern, never the raw path. */
  route?: string;
  detail?: Readonly<Record<string, string | number | boolean>>;
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
