import { createEventEmitter, parseOptions, type SecurityRequest, systemClock } from '@rampart/core';
import type { IssuedSession, IssueOptions, Session, SessionInfo, Sessions } from './api.js';
import { createFingerprintEncoder } from './binding/encoder.js';
import { bindingPolicy, scoreBinding } from './binding/scorer.js';
import { readCookie } from './cookie-header.js';
import {
  InvalidSessionError,
  SessionBindingError,
  SessionExpiredError,
  SessionLimitError,
} from './errors.js';
import { type SessionsOptions, sessionsOptionsSchema } from './options.js';
import { serializeSetCookie } from './set-cookie.js';
import {
  MAX_USER_AGENT_LENGTH,
  MAX_USER_ID_LENGTH,
  type SessionRecord,
  type SessionTiming,
} from './store.js';
import { newSessionToken, parseSessionToken, type SessionRef, sessionUserKey } from './token.js';

const SOURCE = '@rampart/sessions';

function userAgentOf(request: SecurityRequest): string {
  const value = request.headers['user-agent'];
  const text = typeof value === 'string' ? value : (value?.[0] ?? '');
  return text.slice(0, MAX_USER_AGENT_LENGTH);
}

function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID_LENGTH) {
    throw new TypeError(
      `sessions: userId must be a string of 1 to ${MAX_USER_ID_LENGTH} characters`,
    );
  }
}

/**
 * Server-side sessions keyed by the hash of a 256-bit cookie token: idle and absolute timeouts,
 * a refresh written at most once per touch interval, rotation, a per-user cap that holds under
 * concurrent sign-ins, and a drift-tolerant binding to the browser. Misconfiguration throws a
 * `RampartConfigError` naming the option.
 *
 * @example
 * const sessions = createSessions({ store: new MemorySessionStore(), maxSessionsPerUser: 3 });
 * const { setCookie } = await sessions.create(user.id, toSecurityRequest(req));
 * res.setHeader('Set-Cookie', setCookie);
 */
export function createSessions(options: SessionsOptions): Sessions {
  const parsed = parseOptions('createSessions', sessionsOptionsSchema, options);
  const { store } = parsed;
  const clock = parsed.clock ?? systemClock;
  const emit = createEventEmitter({ source: SOURCE, clock, onEvent: parsed.onEvent });
  const timing: SessionTiming = Object.freeze({
    idleMs: parsed.idleTimeoutSeconds * 1000,
    touchIntervalMs: parsed.touchIntervalSeconds * 1000,
    retentionMs: parsed.rememberExpiredSeconds * 1000,
  });
  const absoluteMs = parsed.absoluteTimeoutSeconds * 1000;
  const cap = Object.freeze({ max: parsed.maxSessionsPerUser, policy: parsed.whenLimitReached });
  const binding = bindingPolicy(parsed.binding);
  const fingerprintOf = createFingerprintEncoder();
  const cookieName = parsed.cookie.name;
  const sameSite = parsed.cookie.sameSite === 'strict' ? 'Strict' : 'Lax';
  const clearedCookie = serializeSetCookie(cookieName, '', {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite,
    maxAgeSeconds: 0,
  });

  function toSession(record: SessionRecord): Session {
    return Object.freeze({
      id: record.id,
      userId: record.userId,
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
      idleExpiresAt: Math.min(record.expiresAt, record.lastSeenAt + timing.idleMs),
      mfaAt: record.mfaAt,
      userAgent: record.userAgent,
      ip: record.ip,
    });
  }

  function setCookie(token: string, expiresAt: number): string {
    const maxAgeSeconds = Math.max(0, Math.ceil((expiresAt - clock.now()) / 1000));
    return serializeSetCookie(cookieName, token, {
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite,
      maxAgeSeconds,
    });
  }

  function recordFor(
    userId: string,
    id: string,
    request: SecurityRequest,
    times: Pick<SessionRecord, 'createdAt' | 'expiresAt' | 'mfaAt'>,
    now: number,
  ): SessionRecord {
    return {
      id,
      userId,
      ...times,
      lastSeenAt: now,
      userAgent: userAgentOf(request),
      ip: request.ip,
      binding: binding === undefined ? '' : fingerprintOf(request.headers, request.ip),
    };
  }

  function issued(record: SessionRecord, token: string): IssuedSession {
    return { session: toSession(record), token, setCookie: setCookie(token, record.expiresAt) };
  }

  async function create(
    userId: string,
    request: SecurityRequest,
    issueOptions: IssueOptions = {},
  ): Promise<IssuedSession> {
    checkUserId(userId);
    const now = clock.now();
    const { token, ref } = newSessionToken(userId);
    const record = recordFor(
      userId,
      ref.id,
      request,
      { createdAt: now, expiresAt: now + absoluteMs, mfaAt: issueOptions.mfaAt ?? undefined },
      now,
    );
    const outcome = await store.create(record, cap, timing, now);
    if (!outcome.created) {
      emit({
        type: 'SESSION_CREATED',
        severity: 'warning',
        code: 'ERR_SESSION_LIMIT',
        reason: 'limit',
        userId,
        ip: request.ip,
      });
      throw new SessionLimitError(cap.max);
    }
    emit({
      type: 'SESSION_CREATED',
      severity: 'info',
      userId,
      ip: request.ip,
      detail: { evicted: outcome.evicted.length },
    });
    for (const _ of outcome.evicted) {
      emit({ type: 'SESSION_REVOKED', severity: 'info', reason: 'evicted', userId });
    }
    return issued(record, token);
  }

  function refuseInvalid(request: SecurityRequest, reason: 'malformed' | 'unknown'): never {
    emit({
      type: 'INVALID_TOKEN',
      severity: 'warning',
      code: 'ERR_SESSION_INVALID',
      reason,
      ip: request.ip,
    });
    throw new InvalidSessionError(reason);
  }

  async function validate(ref: SessionRef, request: SecurityRequest): Promise<Session> {
    const now = clock.now();
    const lookup = await store.authenticate(ref, timing, now);
    if (lookup.status === 'absent') refuseInvalid(request, 'unknown');
    if (lookup.status === 'expired') throw new SessionExpiredError(lookup.timeout);
    const { record } = lookup;
    if (binding === undefined) return toSession(record);
    const presented = fingerprintOf(request.headers, request.ip);
    const verdict = scoreBinding(binding, record.binding, presented, record.ip, request.ip);
    if (verdict.outcome === 'same') return toSession(record);
    const event = {
      userId: record.userId,
      ip: request.ip,
      reason: verdict.changes.join(','),
      detail: { score: verdict.score, sessionId: record.id },
    };
    if (verdict.outcome === 'hijack') {
      await store.revoke(record.userId, record.id);
      emit({
        type: 'SESSION_HIJACK_ATTEMPT',
        severity: 'critical',
        code: 'ERR_SESSION_BINDING',
        ...event,
      });
      throw new SessionBindingError();
    }
    if (verdict.outcome === 'suspicious') {
      emit({ type: 'SESSION_SUSPICIOUS', severity: 'warning', ...event });
    }
    const sighting = { binding: presented, ip: request.ip, userAgent: userAgentOf(request) };
    // Gone meanwhile (revoked by another request): this request is refused like a later one.
    const updated = { ...record, ...sighting };
    if (!(await store.record(ref, updated))) refuseInvalid(request, 'unknown');
    return toSession(updated);
  }

  function readToken(request: SecurityRequest): string | undefined {
    const token = readCookie(request.headers.cookie, cookieName);
    // `sid=` (a cleared cookie a client kept) carries no credential.
    return token === '' ? undefined : token;
  }

  async function validateToken(token: string, request: SecurityRequest): Promise<Session> {
    const ref = typeof token === 'string' ? parseSessionToken(token) : undefined;
    if (ref === undefined) refuseInvalid(request, 'malformed');
    return validate(ref, request);
  }

  return Object.freeze({
    cookieName,
    create,

    authenticate(request: SecurityRequest): Promise<Session> | undefined {
      const token = readToken(request);
      return token === undefined ? undefined : validateToken(token, request);
    },

    readToken,
    validate: validateToken,

    async rotate(session: Session, request: SecurityRequest, issueOptions: IssueOptions = {}) {
      const now = clock.now();
      const { token, ref } = newSessionToken(session.userId);
      const mfaAt = 'mfaAt' in issueOptions ? (issueOptions.mfaAt ?? undefined) : session.mfaAt;
      const record = recordFor(
        session.userId,
        ref.id,
        request,
        { createdAt: session.createdAt, expiresAt: session.expiresAt, mfaAt },
        now,
      );
      const old = { id: session.id, userKey: sessionUserKey(session.userId) };
      if (!(await store.replace(old, record, timing, now))) refuseInvalid(request, 'unknown');
      emit({
        type: 'SESSION_REVOKED',
        severity: 'info',
        reason: 'rotated',
        userId: session.userId,
        ip: request.ip,
      });
      emit({
        type: 'SESSION_CREATED',
        severity: 'info',
        reason: 'rotated',
        userId: session.userId,
        ip: request.ip,
      });
      return issued(record, token);
    },

    async list(userId: string, currentId?: string): Promise<SessionInfo[]> {
      checkUserId(userId);
      const records = await store.list(userId, timing, clock.now());
      return records
        .sort((a, b) => b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt)
        .map((record) => {
          const session = toSession(record);
          return {
            id: session.id,
            createdAt: session.createdAt,
            lastSeenAt: session.lastSeenAt,
            expiresAt: session.idleExpiresAt,
            userAgent: session.userAgent,
            ip: session.ip,
            current: session.id === currentId,
          };
        });
    },

    async revoke(userId: string, id: string): Promise<boolean> {
      checkUserId(userId);
      const revoked = typeof id === 'string' && (await store.revoke(userId, id));
      if (revoked) emit({ type: 'SESSION_REVOKED', severity: 'info', reason: 'revoked', userId });
      return revoked;
    },

    async revokeOthers(session: Session): Promise<number> {
      const ended = await store.revokeOthers(session.userId, session.id);
      if (ended > 0) {
        emit({
          type: 'SESSION_REVOKED',
          severity: 'info',
          reason: 'others',
          userId: session.userId,
          detail: { ended },
        });
      }
      return ended;
    },

    async revokeAllForUser(userId: string): Promise<void> {
      checkUserId(userId);
      await store.revokeAllForUser(userId);
      emit({ type: 'SESSION_REVOKED', severity: 'info', reason: 'all', userId });
    },

    async purgeUser(userId: string): Promise<void> {
      checkUserId(userId);
      await store.purgeUser(userId);
    },

    setCookie,
    clearCookie: () => clearedCookie,
  });
}
