import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import { z } from 'zod';
import type { AuditEventInput } from '../record.js';

/** Options of {@link createIncidentResponse}. */
export interface IncidentResponseOptions {
  /**
   * Locks the account until `until` (epoch ms) or, with `null`, until an admin unlocks it; login
   * must then refuse the user. The app's own user store does this.
   */
  lockAccount: (userId: string, until: number | null) => Promise<void>;
  unlockAccount: (userId: string) => Promise<void>;
  /**
   * Each package's `revokeAllForUser`, by a name that says what it revokes
   * (`{ tokens, sessions, trustedDevices, apiKeys }`), run in this order after the lock.
   */
  revokers: Readonly<Record<string, (userId: string) => Promise<void>>>;
  /** Records each step: the trail's `record`. */
  record: (event: AuditEventInput) => void;
  /** How long an automated lock lasts, ms. Default 900 000 (the seed's `LOCKDOWN_SECONDS` 900). */
  lockdownMs?: number | undefined;
  clock?: Clock | undefined;
}

/** One step of a containment and whether it worked. */
export interface ContainmentStep {
  step: string;
  ok: boolean;
}

/** What {@link IncidentResponse.contain} did. */
export interface ContainmentResult {
  userId: string;
  /** Epoch ms, or `null` for a lock until unlocked. */
  lockedUntil: number | null;
  steps: ContainmentStep[];
  /** Every step worked. */
  ok: boolean;
}

/** The seed's `IncidentResponseService`: see {@link createIncidentResponse}. */
export interface IncidentResponse {
  /**
   * Locks the account, then revokes every credential with each revoker in turn; each step is
   * recorded (`ACCOUNT_LOCKED`, then `CREDENTIALS_REVOKED` per revoker). A step that fails does not
   * stop the others; the result says which failed (retry: every step is idempotent).
   */
  contain(
    userId: string,
    options: {
      reason: string;
      actorId?: string | undefined;
      durationMs?: number | null | undefined;
    },
  ): Promise<ContainmentResult>;
  /** Unlocks the account and records `ACCOUNT_UNLOCKED` (`by` the admin given). */
  unlock(userId: string, options?: { actorId?: string | undefined }): Promise<void>;
}

const optionsSchema = z.strictObject({
  lockAccount: z.custom<IncidentResponseOptions['lockAccount']>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
  unlockAccount: z.custom<IncidentResponseOptions['unlockAccount']>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
  revokers: z.record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'names must be 1 to 32 of A-Z a-z 0-9 _ -'),
    z.custom<(userId: string) => Promise<void>>(
      (v) => typeof v === 'function',
      'must be a function',
    ),
  ),
  record: z.custom<IncidentResponseOptions['record']>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
  lockdownMs: z
    .number()
    .int()
    .min(1000)
    .max(365 * 86_400_000)
    .default(900_000),
  clock: clockSchema.optional(),
});

const SOURCE = '@rampart/audit';

/**
 * Automated response as composed calls, not new code in each package: lock the account, then each
 * package's `revokeAllForUser` (tokens, sessions, trusted devices, API keys), every step audited.
 *
 * @example
 * const response = createIncidentResponse({
 *   lockAccount: (id, until) => users.lock(id, until), unlockAccount: (id) => users.unlock(id),
 *   revokers: { tokens: (id) => tokens.revokeAllForUser(id), sessions: (id) => sessions.revokeAllForUser(id) },
 *   record: trail.record,
 * });
 */
export function createIncidentResponse(options: IncidentResponseOptions): IncidentResponse {
  const config = parseOptions('createIncidentResponse', optionsSchema, options);
  const clock = config.clock ?? systemClock;

  async function step(
    name: string,
    run: () => Promise<void>,
    event: AuditEventInput,
  ): Promise<ContainmentStep> {
    try {
      await run();
      config.record(event);
      return { step: name, ok: true };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      config.record({
        ...event,
        outcome: 'failure',
        severity: 'critical',
        ...(typeof code === 'string' ? { code } : {}),
      });
      return { step: name, ok: false };
    }
  }

  const response: IncidentResponse = {
    async contain(userId, containOptions) {
      const duration =
        containOptions.durationMs === undefined ? config.lockdownMs : containOptions.durationMs;
      const lockedUntil = duration === null ? null : clock.now() + duration;
      // The user acted on is the record's user, so their key seals it and erasing them erases it;
      // the admin who asked, if any, is named in the details (`by`).
      const common = {
        source: SOURCE,
        userId,
        reason: containOptions.reason,
      };
      const by = containOptions.actorId ?? 'automated-response';
      const steps: ContainmentStep[] = [];
      steps.push(
        await step('lock', () => config.lockAccount(userId, lockedUntil), {
          ...common,
          type: 'ACCOUNT_LOCKED',
          severity: 'critical',
          detail: {
            by,
            until: lockedUntil === null ? 'unlock' : new Date(lockedUntil).toISOString(),
          },
        }),
      );
      for (const [name, revoke] of Object.entries(config.revokers)) {
        steps.push(
          await step(name, () => revoke(userId), {
            ...common,
            type: 'CREDENTIALS_REVOKED',
            severity: 'warning',
            detail: { by, step: name },
          }),
        );
      }
      return { userId, lockedUntil, steps, ok: steps.every((s) => s.ok) };
    },
    async unlock(userId, unlockOptions = {}) {
      await config.unlockAccount(userId);
      config.record({
        type: 'ACCOUNT_UNLOCKED',
        severity: 'info',
        source: SOURCE,
        userId,
        detail: { by: unlockOptions.actorId ?? 'automated-response' },
      });
    },
  };
  return Object.freeze(response);
}
