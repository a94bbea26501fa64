import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createJsonLinesSink,
  escapeControlCharacters,
  FIELD_LIMITS,
  MemoryAuditStore,
  parseAuditQuery,
} from '../src/index.js';
import { makeTrail } from './helpers/trail.js';

describe('records', () => {
  it('have the ASVS V16 fields: UTC time, sequence, type, severity, outcome, actor, target, request id, reason, details', async () => {
    const { trail, clock } = makeTrail(new MemoryAuditStore());
    trail.record(
      {
        type: 'ACCESS_DENIED',
        severity: 'warning',
        source: '@rampart/access-control',
        code: 'ERR_FORBIDDEN',
        reason: 'missing users:write',
        userId: 'u1',
        ip: '192.0.2.4',
        method: 'POST',
        route: '/api/v1/admin/users/:id/role',
        detail: { permission: 'users:write' },
      },
      { requestId: 'req-9', userAgent: 'curl/8', target: 'user:42' },
    );
    await trail.flush();
    const { items } = await trail.query();
    expect(items).toEqual([
      {
        id: '1',
        chain: 'main',
        seq: 1,
        time: new Date(clock.now()).toISOString(),
        type: 'ACCESS_DENIED',
        severity: 'warning',
        outcome: 'failure',
        source: '@rampart/access-control',
        actor: { userId: 'u1', ip: '192.0.2.4', userAgent: 'curl/8' },
        target: 'user:42',
        requestId: 'req-9',
        code: 'ERR_FORBIDDEN',
        reason: 'missing users:write',
        method: 'POST',
        route: '/api/v1/admin/users/:id/role',
        details: { permission: 'users:write' },
      },
    ]);
  });

  it("cap every field, keep text well-formed, and never store a value under a secret's name", async () => {
    const { trail } = makeTrail(new MemoryAuditStore());
    const detail: Record<string, string | number> = {
      password: 'hunter2-secret-value',
      refresh_token: 'rt-secret-value',
      'api-key': 'ak-secret-value',
      code: '123456',
      long: 'x'.repeat(10_000),
      emoji: `${'a'.repeat(FIELD_LIMITS.detailValue - 2)}😀`,
    };
    for (let i = 0; i < 40; i++) detail[`k${i}`] = i;
    trail.record({
      type: 'LOGIN_FAILURE',
      severity: 'warning',
      reason: 'r'.repeat(5000),
      ip: '\ud800'.repeat(3),
      detail,
    });
    trail.record({ type: 'not a type', severity: 'loud' as never });
    await trail.flush();
    const { items } = await trail.query();
    const [odd, record] = items;
    expect(JSON.stringify(items)).not.toMatch(/secret-value|123456/);
    expect(record?.details.password).toBe('[redacted]');
    expect(record?.details.code).toBe('[redacted]');
    expect(record?.reason).toHaveLength(FIELD_LIMITS.reason);
    expect(String(record?.details.long)).toHaveLength(FIELD_LIMITS.detailValue);
    expect(String(record?.details.emoji).isWellFormed()).toBe(true);
    expect(record?.actor.ip?.isWellFormed()).toBe(true);
    expect(Object.keys(record?.details ?? {}).length).toBeLessThanOrEqual(
      FIELD_LIMITS.detailKeys + 1,
    );
    expect(record?.details.truncated).toBe(true);
    expect(odd).toMatchObject({
      type: 'UNKNOWN_EVENT',
      severity: 'warning',
      details: { originalType: 'not a type' },
    });
  });

  it('the JSON-lines sink writes one line a record whatever the text holds, and the lines verify by hand', async () => {
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk) => {
      output += chunk;
    });
    const { trail } = makeTrail(new MemoryAuditStore(), {
      mirrors: [createJsonLinesSink({ stream })],
    });
    const nasty = 'evil\r\n{"forged":true}\u001b[31mred\u2028\u2029\u0085\u007f';
    trail.record(
      { type: 'LOGIN_FAILURE', severity: 'warning', ip: '192.0.2.1', reason: nasty },
      { userAgent: nasty },
    );
    trail.record({ type: 'LOGOUT', severity: 'info' });
    await trail.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const lines = output.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(2);
    const unsafe = [...output].filter((c) => {
      const code = c.charCodeAt(0);
      return (
        (code < 0x20 && c !== '\n') ||
        (code >= 0x7f && code <= 0x9f) ||
        code === 0x2028 ||
        code === 0x2029
      );
    });
    expect(unsafe).toEqual([]);
    const first = JSON.parse(lines[0] as string);
    expect(JSON.parse(first.body).reason).toBe(nasty);
    expect(first.seq).toBe(1);
  });

  it('escapeControlCharacters writes CR, LF, ESC, C1 and U+2028/2029 as \\u escapes', () => {
    expect(escapeControlCharacters('a\r\nb\u001b[0m\u0085\u2028')).toBe(
      'a\\u000d\\u000ab\\u001b[0m\\u0085\\u2028',
    );
  });
});

describe('query', () => {
  it('filters by type, user, outcome and time, newest first, with a cursor stable under appends', async () => {
    const { trail, clock } = makeTrail(new MemoryAuditStore());
    for (let i = 0; i < 30; i++) {
      trail.record({
        type: i % 3 === 0 ? 'LOGIN_FAILURE' : 'LOGIN_SUCCESS',
        severity: 'info',
        userId: `u${i % 2}`,
      });
      clock.advance(1000);
    }
    await trail.flush();
    const first = await trail.query({ type: 'LOGIN_FAILURE', limit: 4 });
    expect(first.items.map((item) => item.seq)).toEqual([28, 25, 22, 19]);
    for (let i = 0; i < 10; i++) trail.record({ type: 'LOGIN_FAILURE', severity: 'info' });
    await trail.flush();
    const second = await trail.query({
      type: 'LOGIN_FAILURE',
      limit: 4,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.items.map((item) => item.seq)).toEqual([16, 13, 10, 7]);
    const last = await trail.query({
      type: 'LOGIN_FAILURE',
      limit: 4,
      cursor: second.nextCursor ?? undefined,
    });
    expect(last.items.map((item) => item.seq)).toEqual([4, 1]);
    expect(last.nextCursor).toBeNull();

    const u1 = await trail.query({ userId: 'u1', outcome: 'failure', limit: 100 });
    expect(
      u1.items.every((item) => item.actor.userId === 'u1' && item.type === 'LOGIN_FAILURE'),
    ).toBe(true);
    expect(u1.items).toHaveLength(5);
    const start = Date.UTC(2026, 0, 1);
    const window = await trail.query({ since: start + 5000, until: start + 8000 });
    expect(window.items.map((item) => item.seq)).toEqual([8, 7, 6]);
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '501' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ cursor: '-1' }, 'cursor'],
    [{ cursor: 'abc' }, 'cursor'],
    [{ since: 'yesterday' }, 'since'],
    [{ until: '2025-13-45T99:99:99Z' }, 'until'],
    [{ type: 'login_failure' }, 'type'],
    [{ outcome: 'maybe' }, 'outcome'],
    [{ userId: '' }, 'userId'],
    [{ userId: ['a', 'b'] }, 'userId'],
    [{ sort: 'asc' }, 'sort'],
  ])('parseAuditQuery(%j) is a 400 ERR_AUDIT_QUERY_INVALID naming %s', (params, parameter) => {
    try {
      parseAuditQuery(params);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        status: 400,
        code: 'ERR_AUDIT_QUERY_INVALID',
        extensions: { parameter },
      });
    }
  });

  it("metrics are the seed's SecurityMetrics over the window", async () => {
    const { trail, clock } = makeTrail(new MemoryAuditStore());
    const types = [
      'LOGIN_SUCCESS',
      'LOGIN_SUCCESS',
      'LOGIN_FAILURE',
      'ACCESS_DENIED',
      'RATE_LIMIT_EXCEEDED',
      'INVALID_NONCE',
      'PRIVILEGE_ESCALATION',
      'USER_DATA_PURGED',
    ];
    trail.record({ type: 'LOGIN_FAILURE', severity: 'warning' });
    clock.advance(2 * 86_400_000); // that one falls out of the 24 h window
    for (const type of types) trail.record({ type, severity: 'info', userId: 'u' });
    await trail.flush();
    expect(await trail.metrics()).toEqual({
      authentication: { successfulLogins: 2, failedLogins: 1, mfaUsage: 0, suspiciousAttempts: 0 },
      authorization: { accessGranted: 0, accessDenied: 1, privilegeEscalations: 1 },
      threats: { blockedIPs: 0, replayAttacks: 1, rateLimitViolations: 1, maliciousPayloads: 0 },
      compliance: { encryptedData: 8, auditLogEntries: 8, gdprRequests: 1 },
    });
  });
});
