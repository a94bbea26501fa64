import {
  type Clock,
  createEventEmitter,
  parseOptions,
  RampartConfigError,
  syncTwinOf,
  systemClock,
} from '@rampart/core';
import type { IssueOptions, JwtAuth, JwtNonce, TokenIdentity, TokenPair } from './api.js';
import { applicationClaims, checkClaimsOption, isUserId } from './application-claims.js';
import { extractBearerToken } from './bearer.js';
import { InvalidTokenError, type InvalidTokenReason } from './errors.js';
import { randomTokenId, signToken } from './issue.js';
import { IssueOrder } from './issue-order.js';
import { createKeyRing } from './keys/key-ring.js';
import { type JwtNonceOptions, optionsSchema } from './options.js';
import type { JwtNonceStore, TokenLookup, TokenRef, UserWatermark } from './store.js';
import { MemoryJwtNonceStore } from './stores/memory.js';
import type { TokenKind, VerifiedClaims, VerifiedToken } from './verify/claims.js';
import { type VerifierConfig, verifyCompactJwt } from './verify/verifier.js';

const SOURCE = '@rampart/jwt-nonce';

/**
 * Creates the token service: jose issues, node:crypto verifies (see `verifyCompactJwt`), and
 * the store tracks every jti so logout is immediate and refresh tokens rotate with reuse
 * detection. Misconfiguration (a short secret, an unknown algorithm, a bad TTL) throws a
 * `RampartConfigError` naming the option.
 *
 * @example
 * const tokens = createJwtNonce({
 *   issuer: 'https://api.example.com', audience: 'api',
 *   keys: [{ kid: 'k1', alg: 'HS256', secret: process.env.JWT_SECRET! }],
 *   store: new RedisJwtNonceStore({ redis }),
 * });
 * const pair = await tokens.issue(user.id, { claims: { role: user.role } });
 */
export function createJwtNonce(options: JwtNonceOptions): JwtNonce {
  const parsed = parseOptions('createJwtNonce', optionsSchema, options);
  const ring = createKeyRing(parsed.keys, parsed.signingKeyId, 'createJwtNonce');
  const clock: Clock = parsed.clock ?? systemClock;
  const store: JwtNonceStore = parsed.store ?? new MemoryJwtNonceStore({ clock });
  const tracked = parsed.mode === 'tracked';
  const toleranceMs = parsed.clockToleranceSeconds * 1000;
  const refreshTtlMs = parsed.refreshTokenTtlSeconds * 1000;
  const config: VerifierConfig = Object.freeze({
    ring,
    issuer: parsed.issuer,
    audience: parsed.audience,
    clockToleranceSeconds: parsed.clockToleranceSeconds,
    maxLifetimeSeconds: Object.freeze({
      access: parsed.accessTokenTtlSeconds,
      refresh: parsed.refreshTokenTtlSeconds,
    }),
    maxTokenBytes: parsed.maxTokenBytes,
    es256Signatures: parsed.es256Signatures,
    headerCache: new Map(),
  });

  const emit = createEventEmitter({ source: SOURCE, clock, onEvent: parsed.onEvent });

  function refuse(reason: InvalidTokenReason, userId?: string): never {
    const error = new InvalidTokenError(reason);
    if (reason !== 'missing') {
      emit({
        type: 'INVALID_TOKEN',
        severity: 'warning',
        code: error.code,
        reason,
        ...(userId ? { userId } : {}),
      });
    }
    throw error;
  }

  function verify(token: unknown, kind: TokenKind): VerifiedToken {
    try {
      return verifyCompactJwt(token, kind, config, clock.now());
    } catch (error) {
      if (error instanceof InvalidTokenError) refuse(error.reason);
      throw error;
    }
  }

  /** The store's name of a token: `kind` is the one the verifier checked it as. */
  const refOf = (claims: TokenIdentity, kind: TokenKind): TokenRef => ({
    iss: claims.iss,
    jti: claims.jti,
    sub: claims.sub,
    family: claims.fam,
    kind,
    expiresAt: claims.exp * 1000 + toleranceMs,
  });

  const order = new IssueOrder(clock);

  /** Kills every token of `sub` issued until now, remembered while the longest of them lives. */
  function watermarkOf(sub: string): UserWatermark {
    const at = order.watermarkInstant();
    return { iss: parsed.issuer, sub, at, expiresAt: at + refreshTtlMs + toleranceMs };
  }

  /** Why the store's answer kills the token, or undefined when it lives. */
  function deadReason(claims: VerifiedClaims, state: Omit<TokenLookup, 'status'>) {
    if (state.familyRevoked) return 'revoked' as const;
    const issuedAt = state.issuedAt ?? claims.iat * 1000;
    if (state.userRevokedBefore !== undefined && issuedAt <= state.userRevokedBefore) {
      return 'revoked' as const;
    }
    return undefined;
  }

  async function issuePair(
    userId: string,
    family: string,
    claims: Readonly<Record<string, unknown>> | undefined,
  ): Promise<TokenPair> {
    const now = clock.now();
    const issuedAt = order.issueInstant();
    const issuedAtSeconds = Math.floor(now / 1000);
    const common = { issuer: parsed.issuer, audience: parsed.audience, subject: userId };
    const access = { jti: randomTokenId(), ttl: parsed.accessTokenTtlSeconds };
    const refresh = { jti: randomTokenId(), ttl: parsed.refreshTokenTtlSeconds };
    const [accessToken, refreshToken] = await Promise.all([
      signToken(ring.signing, {
        ...common,
        kind: 'access',
        jti: access.jti,
        family,
        issuedAtSeconds,
        ttlSeconds: access.ttl,
        claims,
      }),
      signToken(ring.signing, {
        ...common,
        kind: 'refresh',
        jti: refresh.jti,
        family,
        issuedAtSeconds,
        ttlSeconds: refresh.ttl,
        claims,
      }),
    ]);
    // Verification refuses a token over the cap before decoding it: issuing one would hand out
    // a session that can never be used.
    const longest = Math.max(accessToken.length, refreshToken.length);
    if (longest > parsed.maxTokenBytes) {
      throw new RampartConfigError(
        'issue.claims',
        `make a token of ${longest} bytes, over maxTokenBytes (${parsed.maxTokenBytes}), which verification refuses.`,
      );
    }
    if (tracked) {
      const record = (kind: TokenKind, jti: string, ttl: number) => ({
        iss: parsed.issuer,
        jti,
        sub: userId,
        family,
        kind,
        issuedAt,
        expiresAt: (issuedAtSeconds + ttl) * 1000 + toleranceMs,
      });
      await store.record([
        record('access', access.jti, access.ttl),
        record('refresh', refresh.jti, refresh.ttl),
      ]);
    }
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.ttl,
      refreshExpiresIn: refresh.ttl,
    };
  }

  function checkUserId(userId: unknown, option: string): string {
    if (!isUserId(userId)) {
      throw new RampartConfigError(option, 'must be 1 to 256 characters without control codes');
    }
    return userId;
  }

  async function verifyAccessToken(token: unknown): Promise<JwtAuth> {
    const claims = verify(token, 'access');
    // The memory store's lookup has a synchronous twin (core's fast-path convention): no promise
    // to await. A subclass's or a spy's lookup has none and is called instead.
    const lookupNow = syncTwinOf(store, 'lookup');
    const answer =
      lookupNow === undefined
        ? await store.lookup(refOf(claims, 'access'))
        : lookupNow.call(store, refOf(claims, 'access'));
    const state = answer instanceof Promise ? await answer : answer;
    if (state.status === 'mismatched') refuse('binding', claims.sub);
    if (state.status === 'revoked') refuse('revoked', claims.sub);
    if (state.status !== 'active' && (tracked || state.status !== 'absent')) {
      refuse('unknown-jti', claims.sub);
    }
    const dead = deadReason(claims, state);
    if (dead !== undefined) refuse(dead, claims.sub);
    return claims;
  }

  return Object.freeze({
    maxTokenBytes: parsed.maxTokenBytes,

    async issue(userId: string, issueOptions: IssueOptions = {}): Promise<TokenPair> {
      const subject = checkUserId(userId, 'issue.userId');
      const pair = await issuePair(
        subject,
        randomTokenId(),
        checkClaimsOption(issueOptions.claims),
      );
      emit({ type: 'TOKEN_ISSUED', severity: 'info', userId: subject });
      return pair;
    },

    verifyAccessToken,

    authenticate(authorization: string | readonly string[] | undefined): Promise<JwtAuth> {
      let token: string;
      try {
        token = extractBearerToken(authorization, parsed.maxTokenBytes);
      } catch (error) {
        if (error instanceof InvalidTokenError) refuse(error.reason);
        throw error;
      }
      return verifyAccessToken(token);
    },

    async refresh(refreshToken: unknown, issueOptions: IssueOptions = {}): Promise<TokenPair> {
      const claims = verify(refreshToken, 'refresh');
      const ref = refOf(claims, 'refresh');
      const result = await store.spend(ref, tracked);
      if (result.outcome === 'mismatched') refuse('binding', claims.sub);
      if (result.outcome === 'reused') {
        await store.revokeFamily(
          ref.iss,
          ref.sub,
          ref.family,
          clock.now() + refreshTtlMs + toleranceMs,
        );
        emit({
          type: 'TOKEN_REUSE',
          severity: 'critical',
          code: 'ERR_TOKEN_INVALID',
          reason: 'reused',
          userId: claims.sub,
          detail: { family: claims.fam },
        });
        refuse('reused', claims.sub);
      }
      if (result.outcome === 'invalid') refuse('revoked', claims.sub);
      const dead = deadReason(claims, result);
      if (dead !== undefined) refuse(dead, claims.sub);
      const nextClaims =
        issueOptions.claims === undefined
          ? applicationClaims(claims.payload)
          : checkClaimsOption(issueOptions.claims);
      const pair = await issuePair(claims.sub, claims.fam, nextClaims);
      emit({ type: 'TOKEN_REFRESHED', severity: 'info', userId: claims.sub });
      return pair;
    },

    async revoke(token: TokenIdentity): Promise<void> {
      await store.revoke(refOf(token, token.token_use ?? 'access'));
      emit({
        type: 'TOKEN_REVOKED',
        severity: 'info',
        userId: token.sub,
        detail: { scope: 'token' },
      });
    },

    async logout(auth: TokenIdentity): Promise<void> {
      const ref = refOf(auth, auth.token_use ?? 'access');
      await store.revoke(ref);
      await store.revokeFamily(
        ref.iss,
        ref.sub,
        ref.family,
        clock.now() + refreshTtlMs + toleranceMs,
      );
      emit({
        type: 'TOKEN_REVOKED',
        severity: 'info',
        userId: auth.sub,
        detail: { scope: 'family' },
      });
    },

    async revokeAllForUser(userId: string): Promise<void> {
      const subject = checkUserId(userId, 'revokeAllForUser.userId');
      await store.revokeAllForUser(watermarkOf(subject));
      emit({ type: 'TOKEN_REVOKED', severity: 'info', userId: subject, detail: { scope: 'user' } });
    },

    async purgeUser(userId: string): Promise<void> {
      const subject = checkUserId(userId, 'purgeUser.userId');
      // The watermark first: while the records are being forgotten, the tokens are already dead.
      await store.revokeAllForUser(watermarkOf(subject));
      await store.purgeUser(subject);
    },

    async jwks() {
      return (await ring.jwks()) as { keys: Record<string, unknown>[] };
    },
  });
}
