import {
  type AuthContext,
  type Authenticator,
  CONFIG_ERROR_CODES,
  createAuthContext,
  parseOptions,
  RampartConfigError,
  type SecurityRequest,
} from '@rampart/core';
import { z } from 'zod';
import type { Session, Sessions } from './api.js';
import { type CsrfCheck, type CsrfOptions, createCsrfCheck } from './csrf.js';

/** The session behind each context this package made; nothing else can be found here. */
const sessionsByContext = new WeakMap<AuthContext, Session>();

/** Options of {@link sessionAuthenticator}. */
export interface SessionAuthenticatorOptions {
  /**
   * The CSRF check run on every unsafe request the cookie authenticates (see `createCsrfCheck`).
   * Default on, trusting only the request's own host; `false` turns it off (only for an API no
   * browser ever calls with the cookie).
   */
  csrf?: CsrfOptions | false;
}

const optionsSchema = z.strictObject({
  csrf: z.union([z.literal(false), z.record(z.string(), z.unknown())]).default({}),
});

/** Throws at start-up unless `sessions` is what `createSessions` returned. */
export function checkedSessions(owner: string, sessions: unknown): Sessions {
  if (typeof (sessions as Partial<Sessions> | null | undefined)?.authenticate === 'function') {
    return sessions as Sessions;
  }
  throw new RampartConfigError(
    `${owner}.sessions`,
    'must be the result of createSessions().',
    sessions === undefined ? CONFIG_ERROR_CODES.missingOption : CONFIG_ERROR_CODES.invalidType,
  );
}

/** The auth context of a session: `method: 'session'`, `credentialId` its id (the token's hash). */
export function sessionAuthContext(session: Session): AuthContext {
  const context = createAuthContext({
    userId: session.userId,
    method: 'session',
    credentialId: session.id,
    ...(session.mfaAt === undefined ? {} : { mfaAt: session.mfaAt }),
  });
  sessionsByContext.set(context, session);
  return context;
}

/**
 * The session-cookie authenticator for core's `authenticate([...])`. No cookie (or an empty one)
 * is no credential; a cookie that is present but bad is refused at once (400
 * `ERR_COOKIE_MALFORMED`, 401 `ERR_SESSION_INVALID`, `ERR_SESSION_EXPIRED`,
 * `ERR_SESSION_BINDING`) and never handed to the next authenticator. An unsafe request (POST,
 * PUT, PATCH, DELETE …) must also pass the CSRF check (403 `ERR_CSRF`), before any store read.
 * A live session becomes an `AuthContext` with `method: 'session'`, `credentialId` the session
 * id and `mfaAt`; {@link sessionOf} gives the session behind it.
 *
 * Put it after the bearer and API-key authenticators: a request that carries an
 * `Authorization` header is then judged by it, and never needs the CSRF check.
 *
 * @example
 * app.get('/api/v1/me', authenticate([jwtAuthenticator(tokens), sessionAuthenticator(sessions)]), handler);
 */
export function sessionAuthenticator(
  sessions: Sessions,
  options: SessionAuthenticatorOptions = {},
): Authenticator {
  checkedSessions('sessionAuthenticator', sessions);
  const parsed = parseOptions('sessionAuthenticator', optionsSchema, options);
  const csrf: CsrfCheck | undefined =
    parsed.csrf === false ? undefined : createCsrfCheck(parsed.csrf as CsrfOptions);
  return Object.freeze({
    name: 'session',
    authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
      const token = sessions.readToken(request);
      if (token === undefined) return undefined;
      // Before any store read: a forged request learns nothing, not even whether the cookie lives.
      csrf?.(request);
      return sessions.validate(token, request).then(sessionAuthContext);
    },
  });
}

/**
 * The session behind a context that {@link sessionAuthenticator} (or an adapter of this package)
 * made; `undefined` for any other context (a JWT's, an API key's, one built by hand).
 *
 * @example
 * await sessions.revokeOthers(sessionOf(req.auth)!);
 */
export function sessionOf(auth: AuthContext | undefined): Session | undefined {
  return auth === undefined ? undefined : sessionsByContext.get(auth);
}
