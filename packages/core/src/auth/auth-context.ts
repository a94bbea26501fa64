/** How a request proved who it is; one value per kind of credential Rampart knows. */
export const AUTH_METHODS = Object.freeze(['jwt', 'session', 'api-key'] as const);

/** `'jwt'` (a bearer access token), `'session'` (a session cookie) or `'api-key'`. */
export type AuthMethod = (typeof AUTH_METHODS)[number];

/**
 * Who made the request, whatever credential proved it: the one type of `req.auth` (Express) and
 * `request.auth` (Fastify). jwt-nonce, sessions and api-keys each produce it; access-control,
 * rate-limit, idempotency and audit read it. Frozen: nothing downstream rewrites an identity.
 */
export interface AuthContext {
  /** The user the credential belongs to (for an API key, its owner). */
  readonly userId: string;
  /** The user's role as the credential states it; `undefined` when it states none. */
  readonly role?: string;
  /** Which kind of credential proved the identity. */
  readonly method: AuthMethod;
  /** What an API key may do; `undefined` for the other methods, which carry the user's rights. */
  readonly scopes?: readonly string[];
  /**
   * The credential's own id, never a secret: a JWT's refresh family, a session id's hash, an API
   * key's id. Revoking by it ends this credential and no other.
   */
  readonly credentialId: string;
  /** When the user last passed a second factor, epoch milliseconds; `undefined` if not yet. */
  readonly mfaAt?: number;
}

const METHODS: ReadonlySet<string> = new Set(AUTH_METHODS);

/** Why `value` is not an AuthContext, or `undefined` when it is one. */
export function authContextProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const context = value as Record<string, unknown>;
  if (typeof context.userId !== 'string' || context.userId === '') {
    return 'has no userId (a non-empty string)';
  }
  if (typeof context.method !== 'string' || !METHODS.has(context.method)) {
    return `has a method other than ${AUTH_METHODS.join(', ')}`;
  }
  if (typeof context.credentialId !== 'string' || context.credentialId === '') {
    return 'has no credentialId (a non-empty string)';
  }
  if (context.role !== undefined && typeof context.role !== 'string') {
    return 'has a role that is not a string';
  }
  if (
    context.scopes !== undefined &&
    !(Array.isArray(context.scopes) && context.scopes.every((scope) => typeof scope === 'string'))
  ) {
    return 'has scopes that are not an array of strings';
  }
  if (
    context.mfaAt !== undefined &&
    !(
      typeof context.mfaAt === 'number' &&
      Number.isSafeInteger(context.mfaAt) &&
      context.mfaAt >= 0
    )
  ) {
    return 'has an mfaAt that is not epoch milliseconds';
  }
  return undefined;
}

/**
 * Builds a frozen {@link AuthContext}, leaving out the members given as `undefined`. Throws a
 * `TypeError` for a context that is not one (an empty `userId`, an unknown `method` …): that is a
 * bug in the authenticator, never the client's doing, so it becomes a 500 that is logged.
 *
 * @example
 * return createAuthContext({ userId: key.ownerId, method: 'api-key', credentialId: key.id,
 *   scopes: key.scopes });
 */
export function createAuthContext(init: AuthContext): AuthContext {
  const problem = authContextProblem(init);
  if (problem !== undefined) throw new TypeError(`createAuthContext: the context ${problem}.`);
  const context: { -readonly [K in keyof AuthContext]: AuthContext[K] } = {
    userId: init.userId,
    method: init.method,
    credentialId: init.credentialId,
  };
  if (init.role !== undefined) context.role = init.role;
  if (init.scopes !== undefined) context.scopes = Object.freeze([...init.scopes]);
  if (init.mfaAt !== undefined) context.mfaAt = init.mfaAt;
  return Object.freeze(context);
}
