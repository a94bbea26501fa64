import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import { z } from 'zod';
import type { AuditEventInput } from '../record.js';

/** The seed's anomaly types. */
export type AnomalyType = 'BRUTE_FORCE_ATTEMPT' | 'RATE_LIMIT_ABUSE' | 'REPLAY_ATTACK_ATTEMPT';
/** The seed's severities of an anomaly. */
export type AnomalySeverity = 'HIGH' | 'MEDIUM';
/** What the seed recommends: lock the account, keep watching, or nothing. */
export type RecommendedAction = 'LOCKDOWN' | 'MONITOR' | 'NONE';

/** One anomaly found for a user. */
export interface Anomaly {
  type: AnomalyType;
  severity: AnomalySeverity;
  details: { count: number; threshold: number; windowMs: number };
}

/** The seed's anomaly report. */
export interface AnomalyReport {
  userId: string;
  anomalies: Anomaly[];
  /** ISO 8601 UTC. */
  timestamp: string;
  recommendedAction: RecommendedAction;
}

/** The seed's thresholds: events of a kind per user within the window that make an anomaly. */
export interface AnomalyThresholds {
  /** `LOGIN_FAILURE`, `MFA_CHALLENGE_FAILED` → `BRUTE_FORCE_ATTEMPT` (HIGH). Default 5. */
  failedLogins: number;
  /** `RATE_LIMIT_EXCEEDED` → `RATE_LIMIT_ABUSE` (MEDIUM). Default 10. */
  rateLimitViolations: number;
  /** `INVALID_NONCE`, `INVALID_SIGNATURE`, `TOKEN_REUSE` → `REPLAY_ATTACK_ATTEMPT` (HIGH). Default 3. */
  invalidNonces: number;
}

/** Options of {@link createAnomalyDetector}. */
export interface AnomalyDetectorOptions {
  thresholds?: Partial<AnomalyThresholds> | undefined;
  /** The sliding window, ms. Default 900 000 (15 minutes). */
  windowMs?: number | undefined;
  /** Users tracked at once; past it the least recently active is forgotten. Default 100 000. */
  maxUsers?: number | undefined;
  /**
   * Called (synchronously, on the path of the event that crossed a threshold) with the user's
   * report, once per anomaly per window. Start the response from here without awaiting it.
   */
  onAnomaly?: ((report: AnomalyReport) => void) | undefined;
  clock?: Clock | undefined;
}

/** The seed's `SecurityMonitoringService`, per user over a sliding window. */
export interface AnomalyDetector {
  /** Counts one event: synchronous, O(threshold). */
  observe(event: AuditEventInput): void;
  /** The user's report now. */
  report(userId: string): AnomalyReport;
  /** Forgets a user's counts (after an unlock, or on erasure). */
  reset(userId: string): void;
  /** {@link AnomalyDetector.reset}, as a `UserDataPurger`. */
  purgeUser(userId: string): Promise<void>;
}

/** The seed's defaults. */
export const DEFAULT_ANOMALY_THRESHOLDS: Readonly<AnomalyThresholds> = Object.freeze({
  failedLogins: 5,
  rateLimitViolations: 10,
  invalidNonces: 3,
});

const KINDS = [
  { counter: 'failedLogins', type: 'BRUTE_FORCE_ATTEMPT', severity: 'HIGH' },
  { counter: 'rateLimitViolations', type: 'RATE_LIMIT_ABUSE', severity: 'MEDIUM' },
  { counter: 'invalidNonces', type: 'REPLAY_ATTACK_ATTEMPT', severity: 'HIGH' },
] as const;

const COUNTER_OF: Readonly<Record<string, number>> = {
  LOGIN_FAILURE: 0,
  MFA_CHALLENGE_FAILED: 0,
  RATE_LIMIT_EXCEEDED: 1,
  INVALID_NONCE: 2,
  INVALID_SIGNATURE: 2,
  TOKEN_REUSE: 2,
};

const threshold = (fallback: number) => z.number().int().min(1).max(10_000).default(fallback);
const optionsSchema = z.strictObject({
  thresholds: z
    .strictObject({
      failedLogins: threshold(DEFAULT_ANOMALY_THRESHOLDS.failedLogins),
      rateLimitViolations: threshold(DEFAULT_ANOMALY_THRESHOLDS.rateLimitViolations),
      invalidNonces: threshold(DEFAULT_ANOMALY_THRESHOLDS.invalidNonces),
    })
    .default({ ...DEFAULT_ANOMALY_THRESHOLDS }),
  windowMs: z.number().int().min(1000).max(86_400_000).default(900_000),
  maxUsers: z.number().int().min(1).max(10_000_000).default(100_000),
  onAnomaly: z.custom<(report: AnomalyReport) => void>((v) => typeof v === 'function').optional(),
  clock: clockSchema.optional(),
});

/** Per user: the recent event times of each kind (at most its threshold), and when each last fired. */
interface UserCounters {
  times: [number[], number[], number[]];
  firedAt: [number, number, number];
}

/**
 * The seed's anomaly detection: per-user sliding-window counters of failed logins, rate-limit
 * violations and invalid nonces/signatures/token reuse, the seed's thresholds (5, 10, 3) and
 * severities, and a report recommending `LOCKDOWN` for a HIGH anomaly, `MONITOR` for a MEDIUM one.
 *
 * Memory: at most `threshold` times per kind per user, `maxUsers` users (least recently active
 * forgotten first: spraying that many accounts between two attempts on one is what it takes to
 * reset a counter, and the rate limiter sees that first).
 *
 * @example
 * const detector = createAnomalyDetector({ onAnomaly: (report) => {
 *   if (report.recommendedAction === 'LOCKDOWN') void response.contain(report.userId, { reason: 'anomaly' });
 * }});
 */
export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  const config = parseOptions('createAnomalyDetector', optionsSchema, options);
  const clock = config.clock ?? systemClock;
  const limits = KINDS.map((kind) => config.thresholds[kind.counter]);
  const users = new Map<string, UserCounters>();

  function countsOf(counters: UserCounters | undefined, now: number): number[] {
    return [0, 1, 2].map(
      (kind) => counters?.times[kind]?.filter((at) => now - at < config.windowMs).length ?? 0,
    );
  }

  function report(userId: string): AnomalyReport {
    const now = clock.now();
    const counts = countsOf(users.get(userId), now);
    const anomalies: Anomaly[] = [];
    KINDS.forEach((kind, index) => {
      const count = counts[index] as number;
      const limit = limits[index] as number;
      if (count >= limit) {
        anomalies.push({
          type: kind.type,
          severity: kind.severity,
          details: { count, threshold: limit, windowMs: config.windowMs },
        });
      }
    });
    const recommendedAction: RecommendedAction = anomalies.some((a) => a.severity === 'HIGH')
      ? 'LOCKDOWN'
      : anomalies.length > 0
        ? 'MONITOR'
        : 'NONE';
    return { userId, anomalies, timestamp: new Date(now).toISOString(), recommendedAction };
  }

  function observe(event: AuditEventInput): void {
    const kind = COUNTER_OF[event.type];
    const userId = event.userId;
    if (kind === undefined || userId === undefined) return;
    const now = event.at ?? clock.now();
    let counters = users.get(userId);
    if (counters === undefined) {
      counters = { times: [[], [], []], firedAt: [0, 0, 0] };
    } else {
      users.delete(userId); // re-inserted below: the Map's order is least recently active first
    }
    users.set(userId, counters);
    if (users.size > config.maxUsers) users.delete(users.keys().next().value as string);
    const limit = limits[kind] as number;
    const times = (counters.times[kind] as number[]).filter((at) => now - at < config.windowMs);
    times.push(now);
    if (times.length > limit) times.shift();
    counters.times[kind] = times;
    const quiet = now - (counters.firedAt[kind] as number) >= config.windowMs;
    if (times.length >= limit && quiet && config.onAnomaly !== undefined) {
      counters.firedAt[kind] = now;
      config.onAnomaly(report(userId));
    }
  }

  function reset(userId: string): void {
    users.delete(userId);
  }

  return Object.freeze({
    observe,
    report,
    reset,
    async purgeUser(userId: string) {
      reset(userId);
    },
  });
}
