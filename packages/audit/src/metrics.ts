import type { AuditCount } from './store.js';

/** The seed's `SecurityMetrics`: counts of the trail over a window. */
export interface SecurityMetrics {
  authentication: {
    successfulLogins: number;
    failedLogins: number;
    mfaUsage: number;
    suspiciousAttempts: number;
  };
  authorization: { accessGranted: number; accessDenied: number; privilegeEscalations: number };
  threats: {
    blockedIPs: number;
    replayAttacks: number;
    rateLimitViolations: number;
    maliciousPayloads: number;
  };
  compliance: { encryptedData: number; auditLogEntries: number; gdprRequests: number };
}

/** Which event types each metric counts (docs/audit.md, "Metrics"). */
export const METRIC_TYPES = Object.freeze({
  successfulLogins: ['LOGIN_SUCCESS'],
  failedLogins: ['LOGIN_FAILURE'],
  mfaUsage: ['MFA_VERIFIED', 'MFA_CHALLENGE_PASSED', 'MFA_RECOVERY_CODE_USED'],
  suspiciousAttempts: [
    'MFA_CHALLENGE_FAILED',
    'INVALID_TOKEN',
    'TOKEN_REUSE',
    'SESSION_HIJACK_ATTEMPT',
    'UNAUTHORIZED_ACCESS_ATTEMPT',
    'API_KEY_COMPROMISED',
  ],
  accessGranted: ['ACCESS_GRANTED'],
  accessDenied: ['ACCESS_DENIED'],
  privilegeEscalations: ['PRIVILEGE_ESCALATION'],
  blockedIPs: ['IP_BLOCKED'],
  replayAttacks: ['INVALID_NONCE', 'TOKEN_REUSE'],
  rateLimitViolations: ['RATE_LIMIT_EXCEEDED'],
  maliciousPayloads: ['INVALID_SIGNATURE', 'MALICIOUS_PAYLOAD', 'DATA_BREACH_ATTEMPT'],
  gdprRequests: ['USER_DATA_PURGED', 'USER_DATA_EXPORTED', 'CONSENT_CHANGED'],
} satisfies Record<string, readonly string[]>);

/** Builds the metrics from the store's counts per type and outcome. */
export function securityMetrics(counts: readonly AuditCount[]): SecurityMetrics {
  const byType = new Map<string, number>();
  let total = 0;
  let sealed = 0;
  for (const count of counts) {
    byType.set(count.type, (byType.get(count.type) ?? 0) + count.count);
    total += count.count;
    sealed += count.sealed;
  }
  const sum = (name: keyof typeof METRIC_TYPES) =>
    METRIC_TYPES[name].reduce((acc, type) => acc + (byType.get(type) ?? 0), 0);
  return {
    authentication: {
      successfulLogins: sum('successfulLogins'),
      failedLogins: sum('failedLogins'),
      mfaUsage: sum('mfaUsage'),
      suspiciousAttempts: sum('suspiciousAttempts'),
    },
    authorization: {
      accessGranted: sum('accessGranted'),
      accessDenied: sum('accessDenied'),
      privilegeEscalations: sum('privilegeEscalations'),
    },
    threats: {
      blockedIPs: sum('blockedIPs'),
      replayAttacks: sum('replayAttacks'),
      rateLimitViolations: sum('rateLimitViolations'),
      maliciousPayloads: sum('maliciousPayloads'),
    },
    compliance: {
      encryptedData: sealed,
      auditLogEntries: total,
      gdprRequests: sum('gdprRequests'),
    },
  };
}
