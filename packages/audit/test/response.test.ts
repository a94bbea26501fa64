import { createFakeClock } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  type AnomalyReport,
  type AuditEventInput,
  createAnomalyDetector,
  createIncidentResponse,
} from '../src/index.js';

describe("anomaly detector (the seed's thresholds)", () => {
  it.each([
    ['LOGIN_FAILURE', 5, 'BRUTE_FORCE_ATTEMPT', 'HIGH', 'LOCKDOWN'],
    ['RATE_LIMIT_EXCEEDED', 10, 'RATE_LIMIT_ABUSE', 'MEDIUM', 'MONITOR'],
    ['INVALID_NONCE', 3, 'REPLAY_ATTACK_ATTEMPT', 'HIGH', 'LOCKDOWN'],
    ['TOKEN_REUSE', 3, 'REPLAY_ATTACK_ATTEMPT', 'HIGH', 'LOCKDOWN'],
  ] as const)(
    '%s × %i makes %s (%s), recommending %s; one fewer makes nothing',
    (type, threshold, anomaly, severity, action) => {
      const clock = createFakeClock();
      const reports: AnomalyReport[] = [];
      const detector = createAnomalyDetector({
        clock,
        onAnomaly: (report) => reports.push(report),
      });
      for (let i = 0; i < threshold - 1; i++)
        detector.observe({ type, severity: 'warning', userId: 'victim' });
      expect(reports).toHaveLength(0);
      expect(detector.report('victim').recommendedAction).toBe('NONE');
      detector.observe({ type, severity: 'warning', userId: 'victim' });
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        userId: 'victim',
        anomalies: [{ type: anomaly, severity, details: { count: threshold, threshold } }],
        recommendedAction: action,
        timestamp: new Date(clock.now()).toISOString(),
      });
      expect(detector.report('someone-else').anomalies).toEqual([]);
    },
  );

  it('counts over a sliding window: events older than the window no longer count', () => {
    const clock = createFakeClock();
    const reports: AnomalyReport[] = [];
    const detector = createAnomalyDetector({
      clock,
      windowMs: 60_000,
      onAnomaly: (r) => reports.push(r),
    });
    for (let i = 0; i < 4; i++) {
      detector.observe({ type: 'LOGIN_FAILURE', severity: 'warning', userId: 'u' });
      clock.advance(20_000);
    }
    // 0, 20, 40, 60 s: at 80 s the first two have left the window.
    detector.observe({ type: 'LOGIN_FAILURE', severity: 'warning', userId: 'u' });
    expect(reports).toHaveLength(0);
    expect(detector.report('u').anomalies).toEqual([]);
  });

  it('fires once per window, and reset() (an unlock) starts the count again', () => {
    const reports: AnomalyReport[] = [];
    const detector = createAnomalyDetector({
      clock: createFakeClock(),
      onAnomaly: (r) => reports.push(r),
    });
    for (let i = 0; i < 12; i++)
      detector.observe({ type: 'LOGIN_FAILURE', severity: 'warning', userId: 'u' });
    expect(reports).toHaveLength(1);
    detector.reset('u');
    expect(detector.report('u').anomalies).toEqual([]);
  });

  it('events without a user, and other types, count for nobody', () => {
    const reports: AnomalyReport[] = [];
    const detector = createAnomalyDetector({
      clock: createFakeClock(),
      onAnomaly: (r) => reports.push(r),
    });
    for (let i = 0; i < 20; i++) {
      detector.observe({ type: 'LOGIN_FAILURE', severity: 'warning' });
      detector.observe({ type: 'LOGIN_SUCCESS', severity: 'info', userId: 'u' });
    }
    expect(reports).toEqual([]);
  });
});

describe('incident response', () => {
  function harness(failing: string[] = []) {
    const calls: string[] = [];
    const recorded: AuditEventInput[] = [];
    const clock = createFakeClock();
    const revoker = (name: string) => async (userId: string) => {
      calls.push(`${name}:${userId}`);
      if (failing.includes(name))
        throw Object.assign(new Error('down'), { code: 'ERR_STORE_UNAVAILABLE' });
    };
    const response = createIncidentResponse({
      lockAccount: async (userId, until) => void calls.push(`lock:${userId}:${until}`),
      unlockAccount: async (userId) => void calls.push(`unlock:${userId}`),
      revokers: {
        tokens: revoker('tokens'),
        sessions: revoker('sessions'),
        trustedDevices: revoker('trustedDevices'),
        apiKeys: revoker('apiKeys'),
      },
      record: (event) => recorded.push(event),
      clock,
    });
    return { calls, recorded, response, clock };
  }

  it('locks for the lockdown period, then revokes with every package, each step audited', async () => {
    const { calls, recorded, response, clock } = harness();
    const result = await response.contain('u1', { reason: 'BRUTE_FORCE_ATTEMPT' });
    const until = clock.now() + 900_000;
    expect(result).toEqual({
      userId: 'u1',
      lockedUntil: until,
      ok: true,
      steps: ['lock', 'tokens', 'sessions', 'trustedDevices', 'apiKeys'].map((step) => ({
        step,
        ok: true,
      })),
    });
    expect(calls).toEqual([
      `lock:u1:${until}`,
      'tokens:u1',
      'sessions:u1',
      'trustedDevices:u1',
      'apiKeys:u1',
    ]);
    expect(recorded.map((event) => event.type)).toEqual([
      'ACCOUNT_LOCKED',
      'CREDENTIALS_REVOKED',
      'CREDENTIALS_REVOKED',
      'CREDENTIALS_REVOKED',
      'CREDENTIALS_REVOKED',
    ]);
    expect(recorded[0]).toMatchObject({
      severity: 'critical',
      userId: 'u1',
      reason: 'BRUTE_FORCE_ATTEMPT',
      detail: { by: 'automated-response' },
    });
  });

  it('an admin lock until unlocked; the admin is named', async () => {
    const { calls, recorded, response } = harness();
    const result = await response.contain('u1', {
      reason: 'admin',
      actorId: 'admin-1',
      durationMs: null,
    });
    expect(result.lockedUntil).toBeNull();
    expect(calls[0]).toBe('lock:u1:null');
    expect(recorded[0]?.detail).toMatchObject({ by: 'admin-1', until: 'unlock' });
    await response.unlock('u1', { actorId: 'admin-1' });
    expect(calls.at(-1)).toBe('unlock:u1');
    expect(recorded.at(-1)).toMatchObject({ type: 'ACCOUNT_UNLOCKED', userId: 'u1' });
  });

  it('a failing step does not stop the others, and is audited as a failure', async () => {
    const { calls, recorded, response } = harness(['sessions']);
    const result = await response.contain('u1', { reason: 'REPLAY_ATTACK_ATTEMPT' });
    expect(result.ok).toBe(false);
    expect(result.steps.find((s) => s.step === 'sessions')).toEqual({
      step: 'sessions',
      ok: false,
    });
    expect(calls).toContain('apiKeys:u1');
    expect(recorded[2]).toMatchObject({
      outcome: 'failure',
      code: 'ERR_STORE_UNAVAILABLE',
      detail: { step: 'sessions' },
    });
  });
});
