import { parseAuditQuery } from '@rampart/audit';
import { type AuthContext, notFoundError, RampartError } from '@rampart/core';
import { codeRequiredError, type Mfa } from '@rampart/mfa';
import type { PasswordHasher } from '@rampart/passwords';
import { z } from 'zod';
import { assertMayActOnUser } from '../access/act-on-user.js';
import type { AppAccessControl, AppPermission } from '../access/app-access.js';
import { loginFailedError } from '../auth/auth-service.js';
import { assertPermission } from '../auth/permissions.js';
import { parseInput } from '../parse-input.js';
import type { User, UserStore } from '../users/user-store.js';
import type { AppAudit } from './app-audit.js';

/** What an admin may do here, checked on the app's matrix (`access/app-access.ts`). */
export type AuditPermission = Extract<AppPermission, 'audit:read' | 'users:write'>;

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const userIdSchema = z.string().regex(USER_ID, 'must be a user id');
const consentBody = z.strictObject({ analytics: z.boolean(), marketing: z.boolean() });
const deleteBody = z.strictObject({
  password: z.string().min(1).max(1024),
  // An MFA user's second factor (EXAMPLE-API.md); checked by the MFA service, format included.
  code: z.string().max(64).optional(),
});

/** What the admin and privacy routes need. */
export interface AuditRouteDeps {
  readonly audit: AppAudit;
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  /** Every store and service holding the user, in order: credentials before the account. */
  readonly purgers: readonly { purgeUser(userId: string): Promise<void> }[];
  /** Loads the caller (401 when their account is gone). */
  readonly userOf: (auth: AuthContext) => Promise<User>;
  /** The second factor: deleting the account of a user with MFA also takes a code. */
  readonly mfa: Pick<Mfa, 'status' | 'verify'>;
  /** The role route's rank rule, which lock and unlock follow too. */
  readonly access: AppAccessControl;
}

/** The handlers of the Admin audit and Privacy routes, framework-neutral. */
export function createAuditHandlers(deps: AuditRouteDeps) {
  const { audit, users, hasher } = deps;

  async function admin(auth: AuthContext, permission: AuditPermission): Promise<User> {
    const user = await deps.userOf(auth);
    assertPermission(user, permission);
    return user;
  }

  async function targetUser(id: unknown): Promise<User> {
    const userId = parseInput(userIdSchema, id, 'id');
    const user = await users.findById(userId);
    if (user === undefined) throw notFoundError();
    return user;
  }

  /** The user `caller` may lock or unlock: never themself, never someone ranked above them. */
  async function actedOn(caller: User, id: unknown, action: 'lock' | 'unlock'): Promise<User> {
    const user = await targetUser(id);
    assertMayActOnUser(
      deps.access,
      audit.onEvent,
      { userId: caller.id, role: caller.role },
      { userId: user.id, role: user.role },
      action,
    );
    return user;
  }

  async function consentOf(userId: string) {
    const { items } = await audit.trail.query({ userId, type: 'CONSENT_CHANGED', limit: 1 });
    const latest = items[0];
    if (latest === undefined) return { analytics: false, marketing: false, updatedAt: null };
    return {
      analytics: latest.details.analytics === true,
      marketing: latest.details.marketing === true,
      updatedAt: latest.time,
    };
  }

  return {
    async query(auth: AuthContext, params: Record<string, unknown>) {
      await admin(auth, 'audit:read');
      const query = parseAuditQuery(params);
      await audit.trail.flush();
      return audit.trail.query(query);
    },

    async verify(auth: AuthContext) {
      await admin(auth, 'audit:read');
      await audit.trail.flush();
      const { valid, checked, firstBadSeq } = await audit.trail.verify();
      return firstBadSeq === undefined ? { valid, checked } : { valid, checked, firstBadSeq };
    },

    async metrics(auth: AuthContext) {
      await admin(auth, 'audit:read');
      await audit.trail.flush();
      return audit.trail.metrics();
    },

    async anomalies(auth: AuthContext, params: Record<string, unknown>) {
      await admin(auth, 'audit:read');
      const userId = parseInput(z.strictObject({ userId: userIdSchema }), params, 'query').userId;
      return audit.detector.report(userId);
    },

    async lock(auth: AuthContext, id: unknown) {
      const caller = await admin(auth, 'users:write');
      const user = await actedOn(caller, id, 'lock');
      const result = await audit.response.contain(user.id, {
        reason: 'admin',
        actorId: caller.id,
        durationMs: null,
      });
      if (!result.ok) {
        throw new RampartError({
          status: 503,
          code: 'ERR_CONTAINMENT_INCOMPLETE',
          title: 'Service Unavailable',
          detail:
            'The account is locked but a store could not revoke every credential. Send the request again.',
          extensions: {
            failedSteps: result.steps.filter((step) => !step.ok).map((step) => step.step),
          },
        });
      }
      return { userId: user.id, locked: true, steps: result.steps };
    },

    async unlock(auth: AuthContext, id: unknown) {
      const caller = await admin(auth, 'users:write');
      const user = await actedOn(caller, id, 'unlock');
      await audit.response.unlock(user.id, { actorId: caller.id });
      audit.detector.reset(user.id);
      return { userId: user.id, locked: false };
    },

    async myData(auth: AuthContext) {
      const user = await deps.userOf(auth);
      await audit.trail.flush();
      const events = await audit.trail.query({ userId: user.id, limit: 500 });
      return {
        profile: {
          id: user.id,
          email: user.email,
          createdAt: new Date(user.createdAt).toISOString(),
        },
        role: user.role,
        consent: await consentOf(user.id),
        auditEvents: events.items,
      };
    },

    async consent(auth: AuthContext, body: unknown) {
      const user = await deps.userOf(auth);
      const consent = parseInput(consentBody, body);
      audit.onEvent({
        type: 'CONSENT_CHANGED',
        severity: 'info',
        userId: user.id,
        detail: consent,
      });
      await audit.trail.flush();
      return consentOf(user.id);
    },

    async deleteMyAccount(auth: AuthContext, body: unknown) {
      const user = await deps.userOf(auth);
      const { password, code } = parseInput(deleteBody, body);
      if (!(await hasher.verify(user.passwordHash, password))) throw loginFailedError();
      // Erasure cannot be undone: a stolen session and password are not enough for an MFA user.
      if ((await deps.mfa.status(user.id)).enabled) {
        if (code === undefined) throw codeRequiredError();
        await deps.mfa.verify(user.id, code);
      }
      for (const purger of deps.purgers) await purger.purgeUser(user.id);
      audit.detector.reset(user.id);
      // Recorded without the user (they are gone); then their key goes and their records with it.
      audit.onEvent({ type: 'USER_DATA_PURGED', severity: 'info', source: 'app' });
      await audit.trail.purgeUser(user.id);
    },
  };
}

export type AuditHandlers = ReturnType<typeof createAuditHandlers>;
