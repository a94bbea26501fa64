import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Alerter,
  type AnomalyDetector,
  type AuditEventInput,
  type AuditRequestContext,
  type AuditTrail,
  createAlerter,
  createAnomalyDetector,
  createAuditTrail,
  createIncidentResponse,
  createJsonLinesSink,
  type IncidentResponse,
  webhookAlertSink,
} from '@rampart/audit';
import { RampartError, type SecurityEvent } from '@rampart/core';
import type { KeyRing } from '@rampart/crypto';
import type { AuditConfig } from './audit-config.js';
import type { AuditStores } from './audit-stores.js';

/** What a request adds to the events emitted while it runs. */
export interface RequestFacts extends AuditRequestContext {
  ip?: string;
}

/** The app's audit: the trail, its alerts, the detector and the automated response. */
export interface AppAudit {
  readonly trail: AuditTrail;
  readonly alerts: Alerter | undefined;
  readonly detector: AnomalyDetector;
  readonly response: IncidentResponse;
  /** Every package's `onEvent`: records the event with the request's facts, alerts, counts. */
  readonly onEvent: (event: SecurityEvent | AuditEventInput) => void;
  /** Runs `next` with the request's facts attached to every event it emits. */
  readonly withRequest: <T>(facts: RequestFacts, next: () => T) => T;
  /** Whether login must refuse the user. */
  isLocked(userId: string): Promise<boolean>;
  /** Writes everything queued and stops (call after the server closed, before the stores). */
  close(): Promise<void>;
}

/** Revokes every credential of a user, by package: `{ tokens, sessions, apiKeys, … }`. */
export type Revokers = Readonly<Record<string, (userId: string) => Promise<void>>>;

/** 403 of a login on a locked account (EXAMPLE-API.md, "Admin"). */
export function accountLockedError(): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_ACCOUNT_LOCKED',
    title: 'Forbidden',
    detail:
      'This account is locked. It unlocks after the lockdown period or when an admin unlocks it.',
  });
}

/**
 * Builds the audit of the app. A HIGH anomaly (brute force, replays) locks the account for
 * `LOCKDOWN_SECONDS` and revokes every credential with `revokers`, each step in the trail; the
 * critical events go to `ALERT_WEBHOOK_URL` when set.
 */
export function createAppAudit(
  config: AuditConfig,
  /** The app's key ring (`ENCRYPTION_KEYS`): it seals each user's record key. */
  keyRing: KeyRing,
  stores: AuditStores,
  revokers: Revokers,
): AppAudit {
  const trail = createAuditTrail({
    hmacKey: config.hmacKey.value,
    keyRing,
    store: stores.trail,
    chainId: `api-${process.pid}`,
    mirrors: config.logFile === undefined ? [] : [createJsonLinesSink({ path: config.logFile })],
  });
  const alerts =
    config.alertWebhook === undefined
      ? undefined
      : createAlerter({ sinks: [webhookAlertSink(config.alertWebhook)] });
  const response = createIncidentResponse({
    lockAccount: (userId, until) => stores.locks.lock(userId, until),
    unlockAccount: (userId) => stores.locks.unlock(userId),
    revokers,
    record: (event) => onEvent(event),
    lockdownMs: config.lockdownSeconds * 1000,
  });
  const detector = createAnomalyDetector({
    onAnomaly(report) {
      if (report.recommendedAction !== 'LOCKDOWN') return;
      const reason = report.anomalies.map((anomaly) => anomaly.type).join(',');
      // Never awaited on the request's path; each step is audited, a failure included.
      void response.contain(report.userId, { reason }).catch(() => {});
    },
  });
  const facts = new AsyncLocalStorage<RequestFacts>();

  function onEvent(event: SecurityEvent | AuditEventInput): void {
    const request = facts.getStore();
    const withIp =
      request?.ip !== undefined && event.ip === undefined ? { ...event, ip: request.ip } : event;
    trail.record(withIp, request);
    alerts?.observe(withIp);
    detector.observe(withIp);
  }

  const appAudit: AppAudit = {
    trail,
    alerts,
    detector,
    response,
    onEvent,
    withRequest: (request, next) => facts.run(request, next),
    isLocked: (userId) => stores.locks.isLocked(userId, Date.now()),
    async close() {
      await trail.close();
      // Alerts still being retried get a few seconds; a dead receiver never holds a shutdown.
      if (alerts !== undefined) {
        await Promise.race([
          alerts.drain(),
          new Promise((resolve) => setTimeout(resolve, 5000).unref()),
        ]);
      }
    },
  };
  return Object.freeze(appAudit);
}
