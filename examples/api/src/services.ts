import type {
  Authenticator,
  IpFilter,
  RuntimeSecuritySettings,
  SecurityEvent,
} from '@rampart/core';
import type { Idempotency } from '@rampart/idempotency';
import { createJwtNonce, type JwtNonce, jwtAuthenticator } from '@rampart/jwt-nonce';
import type { Mfa } from '@rampart/mfa';
import {
  createPasswordHasher,
  createPasswordPolicy,
  type PasswordHasher,
  type PasswordHasherOptions,
} from '@rampart/passwords';
import { createRequestVerifier, type RequestVerifier } from '@rampart/request-signing';
import { type AdminService, createAdminService } from './access/admin-service.js';
import { type AppAccessControl, createAppAccessControl } from './access/app-access.js';
import { createAppIpFilter, createAppSettings } from './access/app-settings.js';
import { type ApiKeyServices, createApiKeyServices } from './api-keys/api-key-services.js';
import { type AppAudit, createAppAudit } from './audit/app-audit.js';
import { type AuditHandlers, createAuditHandlers } from './audit/audit-handlers.js';
import { type AuthService, createAuthService } from './auth/auth-service.js';
import { type ChangePassword, createPasswordChange } from './auth/password-change.js';
import type { AppConfig } from './config.js';
import { createEntityService, type EntityService } from './entities/entity-service.js';
import { createAppIdempotency } from './idempotency/idempotency.js';
import { appKeyRing } from './key-ring.js';
import { createMfaActions, type MfaActions } from './mfa/mfa-actions.js';
import { createExampleMfa } from './mfa/mfa-service.js';
import { sessionRotation } from './mfa/session-rotation.js';
import { mfaSecondFactor } from './mfa/session-second-factor.js';
import { type AppOAuth, createAppOAuth } from './oauth/app-oauth.js';
import { type OAuthSessionStart, oauthSessionStart } from './oauth/oauth-sign-in.js';
import { oauthUserDirectory } from './oauth/oauth-users.js';
import { type AppSessions, createAppSessions } from './sessions/app-sessions.js';
import { createSessionActions, type SessionActions } from './sessions/session-actions.js';
import type { AppStores } from './stores/app-stores.js';

/** The packages' services, configured once from the config and the open stores. */
export interface AppServices {
  /** Roles and permissions (EXAMPLE-API.md "Roles and permissions"), roles read from the users. */
  readonly access: AppAccessControl;
  /** The runtime security settings, synced first on every request. */
  readonly settings: RuntimeSecuritySettings;
  /** The IP filter on the settings' lists. */
  readonly ipFilter: IpFilter;
  /** The admin routes' logic: users, roles, settings. */
  readonly admin: AdminService;
  readonly tokens: JwtNonce;
  readonly hasher: PasswordHasher;
  /** The one signing client of EXAMPLE-API.md (`SIGNING_KEY_ID` / `SIGNING_SECRET`). */
  readonly signatures: RequestVerifier;
  readonly auth: AuthService;
  /** `POST /api/v1/auth/password`: every other session and token of the user dies. */
  readonly changePassword: ChangePassword;
  readonly entities: EntityService;
  /** The Idempotency-Key rules of `POST …/records` (and `POST /api/v1/api-keys`). */
  readonly idempotency: Idempotency;
  /** The second factor (`@rampart/mfa`) and the MFA routes' logic. */
  readonly mfa: Mfa;
  readonly mfaActions: MfaActions;
  /** Browser sessions and trusted devices (`@rampart/sessions`). */
  readonly sessions: AppSessions;
  /** The `/api/v1/sessions` routes' logic. */
  readonly sessionActions: SessionActions;
  /**
   * Every credential the app accepts, in the order tried: each authenticated route runs this one
   * list through core's `authenticate`, so a bearer token, a session cookie and an API key give
   * the same `AuthContext` on every route.
   */
  readonly authenticators: readonly Authenticator[];
  /** API keys (`@rampart/api-keys`): the service, its routes' logic and its authenticator. */
  readonly apiKeyServices: ApiKeyServices;
  /** The audit trail every package's `onEvent` feeds, its alerts, detector and response. */
  readonly audit: AppAudit;
  /** The Admin audit and Privacy routes' logic. */
  readonly auditHandlers: AuditHandlers;
  /** The OAuth sign-in (`@rampart/oauth`): the configured providers, bound once listening. */
  readonly oauth: AppOAuth;
  /** Ends a provider sign-in in the session `POST /api/v1/sessions` would make. */
  readonly oauthSession: OAuthSessionStart;
}

/** Key id of the app's one JWT key; a second key would be added here to rotate. */
const JWT_KEY_ID = 'example-hs256';

/**
 * The hasher of login and register: argon2id with OWASP's parameters (or `options`, which tests
 * shrink), its refusals at capacity (503 `ERR_BUSY`) recorded by the audit as `CAPACITY_EXCEEDED`.
 */
export function createAppHasher(
  onEvent: (event: SecurityEvent) => void,
  options: PasswordHasherOptions = {},
): PasswordHasher {
  return createPasswordHasher({ ...options, onEvent });
}

/**
 * Builds every service. Misconfiguration (a secret the packages refuse) throws a
 * `RampartConfigError` naming the option, before the app listens.
 */
export function createServices(config: AppConfig, stores: AppStores): AppServices {
  // Every package's events go to the audit (built below: its response revokes with them).
  const onEvent = (event: SecurityEvent) => audit.onEvent(event);
  const tokens = createJwtNonce({
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    keys: [{ kid: JWT_KEY_ID, alg: 'HS256', secret: config.jwt.secret.value }],
    store: stores.tokens,
    onEvent,
  });
  const hasher = createAppHasher(onEvent);
  // NIST SP 800-63B defaults: 15+ characters, no composition rules, no common passwords.
  const policy = createPasswordPolicy();
  // One key ring for everything the app seals (ENCRYPTION_KEYS); idempotency has its own size.
  const keyRing = appKeyRing(config);
  const apiKeyServices = createApiKeyServices(config, stores, keyRing, onEvent);
  const signatures = createRequestVerifier({
    // SIGNING_KEY_ID's secret, and each API key's signing secret under its key id.
    getSecrets: apiKeyServices.signing.getSecrets,
    nonceStore: stores.nonces,
    onEvent,
  });
  const sessions = createAppSessions(config.sessions, stores.sessions);
  // Trusted devices skip the second factor; disabling MFA forgets them.
  const mfa = createExampleMfa(config.mfa, stores.mfa, keyRing, sessions.devices, onEvent);
  const audit = createAppAudit(config.audit, keyRing, stores.audit, {
    tokens: (userId) => tokens.revokeAllForUser(userId),
    sessions: (userId) => sessions.sessions.revokeAllForUser(userId),
    trustedDevices: (userId) => sessions.devices.revokeAllForUser(userId),
    // EXAMPLE-API.md, "Admin": a lock revokes the user's API keys too (they outlived it before).
    apiKeys: (userId) => apiKeyServices.apiKeys.revokeAllForUser(userId),
  });
  const auth = createAuthService({
    users: stores.users,
    tokens,
    hasher,
    policy,
    mfa,
    otherCredentials: [sessions.sessions],
    onEvent: (event) => audit.onEvent(event),
    isLocked: audit.isLocked,
  });
  const access = createAppAccessControl(stores.users, onEvent);
  // The initial settings state what the app runs with (the password policy's NIST minimum,
  // CORS_ORIGINS); a PATCH stores a version every instance then reads.
  const settings = createAppSettings(
    stores.settings,
    {
      authentication: { passwordPolicy: { minLength: 15 } },
      security: { corsOrigins: [...config.corsOrigins] },
    },
    onEvent,
  );
  const ipFilter = createAppIpFilter(settings, onEvent);
  // One second factor for both browser sign-ins: the password one and the provider one.
  const secondFactor = mfaSecondFactor(mfa, sessions.devices);
  return Object.freeze({
    access,
    settings,
    ipFilter,
    admin: createAdminService(stores.users, access, settings),
    tokens,
    hasher,
    signatures,
    auth,
    changePassword: createPasswordChange({
      users: stores.users,
      userOf: auth.userOf,
      hasher,
      policy,
      tokens,
      sessions: sessions.sessions,
      // EXAMPLE-API.md, "Sessions": a trusted device is revoked when the password changes.
      alsoRevoke: [sessions.devices],
      onEvent: (event) => audit.onEvent(event),
    }),
    mfa,
    mfaActions: createMfaActions({
      mfa,
      auth,
      users: stores.users,
      tokens,
      rotateSession: sessionRotation(sessions.sessions),
    }),
    entities: createEntityService(stores.records),
    idempotency: createAppIdempotency(stores.idempotency, config.mfa.encryptionKeys.value),
    sessions,
    sessionActions: createSessionActions({
      sessions: sessions.sessions,
      checkPassword: auth.checkPassword,
      secondFactor,
      users: stores.users,
      onEvent: (event) => audit.onEvent(event),
      access,
    }),
    // The session cookie last: a request with a bearer token (or an API key) is judged by it.
    // The API key first: it also takes `Authorization: Bearer rk_…`, which the JWT one would refuse.
    authenticators: Object.freeze([
      apiKeyServices.authenticator,
      jwtAuthenticator(tokens),
      sessions.authenticator,
    ]),
    apiKeyServices,
    audit,
    auditHandlers: createAuditHandlers({
      audit,
      users: stores.users,
      hasher,
      userOf: auth.userOf,
      mfa,
      access,
      // Credentials first, then the data, then the account itself (core's purgeUserData order).
      purgers: [
        tokens,
        sessions.sessions,
        sessions.devices,
        mfa,
        apiKeyServices.apiKeys,
        stores.oauthLinks,
        stores.records,
        stores.audit.locks,
        stores.users,
      ],
    }),
    oauth: createAppOAuth({
      config: config.oauth,
      // The flow cookie is sealed with ENCRYPTION_KEYS: every instance opens the others'.
      keyRing,
      links: stores.oauthLinks,
      users: oauthUserDirectory(stores.users, {
        // A provider proved the email of a password account: whoever registered it keeps nothing.
        async revokeCredentials(userId) {
          await tokens.revokeAllForUser(userId);
          await sessions.sessions.revokeAllForUser(userId);
          await sessions.devices.revokeAllForUser(userId);
          await apiKeyServices.apiKeys.revokeAllForUser(userId);
        },
        hasSecondFactor: async (userId) => (await mfa.status(userId)).enabled,
        onEvent: (event) => audit.onEvent(event),
      }),
      onEvent,
    }),
    oauthSession: oauthSessionStart({
      users: stores.users,
      sessions: sessions.sessions,
      secondFactor,
      isLocked: audit.isLocked,
      onEvent: (event) => audit.onEvent(event),
    }),
  });
}
