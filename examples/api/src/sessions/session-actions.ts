import type { AuditEventInput } from '@rampart/audit';
import { type AuthContext, notFoundError, RampartError, type SecurityRequest } from '@rampart/core';
import {
  type SessionInfo,
  type Sessions,
  sessionNotFoundError,
  sessionOf,
} from '@rampart/sessions';
import { z } from 'zod';
import { assertMayActOnUser } from '../access/act-on-user.js';
import type { AppAccessControl } from '../access/app-access.js';
import { emailSchema } from '../auth/auth-bodies.js';
import { parseInput } from '../parse-input.js';
import type { User, UserStore } from '../users/user-store.js';

/** `POST /api/v1/sessions`: the login's credentials, and the second factor's fields for mfa. */
export const sessionLoginBody = z.strictObject({
  email: emailSchema,
  password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
  code: z.string().max(64, 'must be at most 64 characters').optional(),
  rememberDevice: z.boolean().optional(),
});

/** What the second-factor step is given: the login's own fields. */
export interface SecondFactorInput {
  readonly code?: string | undefined;
  readonly rememberDevice?: boolean | undefined;
}

/** What the second-factor step answers: when it was passed, and cookies to set (a trusted device). */
export interface SecondFactorResult {
  /** Epoch ms the user passed a second factor now (or on a trusted device); undefined if not asked. */
  readonly mfaAt?: number | undefined;
  readonly setCookies?: readonly string[];
}

/**
 * The seam where `@rampart/mfa` joins the browser login: after the password, before the session.
 * It refuses (a `RampartError`) when the user needs a second factor that was not given.
 */
export type SecondFactor = (
  user: User,
  input: SecondFactorInput,
  request: SecurityRequest,
) => Promise<SecondFactorResult>;

/** Until mfa is wired in: a user without MFA needs nothing more, and a code is not expected. */
export const noSecondFactor: SecondFactor = async () => ({});

/** One entry of `GET /api/v1/sessions` (times in ISO 8601). */
export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string;
  ip: string;
  current: boolean;
}

/** One entry of `GET /api/v1/admin/sessions`. */
export type AdminSessionView = Omit<SessionView, 'current'> & { userId: string };

const iso = (epochMs: number) => new Date(epochMs).toISOString();

function view(info: SessionInfo): SessionView {
  return {
    id: info.id,
    createdAt: iso(info.createdAt),
    lastSeenAt: iso(info.lastSeenAt),
    expiresAt: iso(info.expiresAt),
    userAgent: info.userAgent,
    ip: info.ip,
    current: info.current,
  };
}

const idParam = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a session id');
/** A user id as the admin routes take it (`admin/users/:id/lock` reads the same). */
const userIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a user id');

/** What the sessions routes do, whatever the framework. */
export interface SessionActions {
  /** `POST /api/v1/sessions` → 201 `{id, expiresAt}` and the cookies to set. */
  login(
    body: unknown,
    request: SecurityRequest,
  ): Promise<{ body: { id: string; expiresAt: string }; setCookies: string[] }>;
  list(auth: AuthContext): Promise<SessionView[]>;
  /** `DELETE /api/v1/sessions/:id`: 404 for an id that is not one of the caller's. */
  revoke(auth: AuthContext, id: unknown): Promise<void>;
  /** `DELETE /api/v1/sessions`: every session but the current (all, for a bearer or API key). */
  revokeOthers(auth: AuthContext): Promise<void>;
  /** `DELETE /api/v1/sessions/current`: ends the cookie's session; the `Set-Cookie` that clears it. */
  endCurrent(auth: AuthContext): Promise<string>;
  /**
   * `GET /api/v1/admin/sessions?userId=`: a filter, as `admin/audit?userId=` is, so an id that
   * names nobody lists nothing; a malformed one (or none, or two) is a 400.
   */
  adminList(userId: unknown): Promise<{ items: AdminSessionView[] }>;
  /** `DELETE /api/v1/admin/users/:id/sessions`: 404 for an unknown user, as `…/lock` answers. */
  adminRevokeAll(caller: AuthContext, userId: unknown): Promise<void>;
}

export interface SessionActionsOptions {
  readonly sessions: Sessions;
  /** The password step of the auth service: the user, or its one 401 for a failed login. */
  readonly checkPassword: (email: string, password: string) => Promise<User>;
  readonly secondFactor?: SecondFactor;
  /** The admin routes look the user up: an unknown one is a 404. */
  readonly users: Pick<UserStore, 'findById'>;
  /** The audit trail's `onEvent`: an admin ending a user's sessions is an `ADMIN_ACTION`. */
  readonly onEvent?: (event: AuditEventInput) => void;
  /** The role route's rank rule: an admin ends the sessions of users ranked below them only. */
  readonly access: AppAccessControl;
}

/** The sessions routes' logic. */
export function createSessionActions(options: SessionActionsOptions): SessionActions {
  const { sessions, checkPassword, secondFactor = noSecondFactor } = options;

  return Object.freeze({
    async login(body: unknown, request: SecurityRequest) {
      const { email, password, code, rememberDevice } = parseInput(sessionLoginBody, body);
      const user = await checkPassword(email, password);
      const factor = await secondFactor(user, { code, rememberDevice }, request);
      const issued = await sessions.create(
        user.id,
        request,
        factor.mfaAt === undefined ? {} : { mfaAt: factor.mfaAt },
      );
      return {
        body: { id: issued.session.id, expiresAt: iso(issued.session.expiresAt) },
        setCookies: [issued.setCookie, ...(factor.setCookies ?? [])],
      };
    },

    async list(auth: AuthContext) {
      return (await sessions.list(auth.userId, sessionOf(auth)?.id)).map(view);
    },

    async revoke(auth: AuthContext, id: unknown) {
      // A malformed id names no session of the caller's: the same 404 as another user's id.
      if (!idParam.safeParse(id).success || !(await sessions.revoke(auth.userId, id as string))) {
        throw sessionNotFoundError();
      }
    },

    async revokeOthers(auth: AuthContext) {
      const current = sessionOf(auth);
      if (current === undefined) await sessions.revokeAllForUser(auth.userId);
      else await sessions.revokeOthers(current);
    },

    async endCurrent(auth: AuthContext) {
      const current = sessionOf(auth);
      // A bearer token or an API key has no current session to end.
      if (current === undefined || !(await sessions.revoke(auth.userId, current.id))) {
        throw sessionNotFoundError();
      }
      return sessions.clearCookie();
    },

    async adminList(userId: unknown) {
      const id = parseInput(userIdSchema, userId, 'query.userId');
      const items = (await sessions.list(id)).map((info) => {
        const { current: _, ...rest } = view(info);
        return { ...rest, userId: id };
      });
      return { items };
    },

    async adminRevokeAll(caller: AuthContext, userId: unknown) {
      const id = parseInput(userIdSchema, userId, 'params.id');
      const target = await options.users.findById(id);
      if (target === undefined) throw notFoundError();
      const actor = await options.users.findById(caller.userId);
      // The guard resolved this user a moment ago; gone or locked since, they hold nothing.
      if (actor === undefined || actor.locked) {
        throw new RampartError({
          status: 403,
          code: 'ERR_FORBIDDEN',
          title: 'Forbidden',
          detail: 'Your account may not do this.',
        });
      }
      assertMayActOnUser(
        options.access,
        options.onEvent,
        { userId: actor.id, role: actor.role },
        { userId: target.id, role: target.role },
        'sessions-revoked',
      );
      await sessions.revokeAllForUser(id);
      // On the user acted on (their key seals it, as a lock's records), naming the admin.
      options.onEvent?.({
        type: 'ADMIN_ACTION',
        severity: 'critical',
        source: 'app',
        userId: id,
        reason: 'sessions-revoked',
        detail: { action: 'sessions-revoked', by: caller.userId },
      });
    },
  });
}
