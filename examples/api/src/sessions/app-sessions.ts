import type { Authenticator } from '@rampart/core';
import {
  createSessions,
  createTrustedDevices,
  type Sessions,
  sessionAuthenticator,
  type TrustedDevices,
} from '@rampart/sessions';
import type { SessionConfig } from './session-config.js';
import type { SessionStores } from './session-stores.js';

/** The sessions of the app: the service, the trusted devices, and the cookie authenticator. */
export interface AppSessions {
  readonly sessions: Sessions;
  /** Trusted devices (`__Host-tdid`), for mfa's "remember this device". */
  readonly devices: TrustedDevices;
  /** The session cookie, for the services' one authenticator list (after bearer and API key). */
  readonly authenticator: Authenticator;
}

/** Builds the sessions from `SESSION_*` / `MAX_SESSIONS_PER_USER` and the open stores. */
export function createAppSessions(config: SessionConfig, stores: SessionStores): AppSessions {
  const sessions = createSessions({
    store: stores.sessions,
    idleTimeoutSeconds: config.idleSeconds,
    absoluteTimeoutSeconds: config.absoluteSeconds,
    touchIntervalSeconds: config.touchSeconds,
    maxSessionsPerUser: config.maxPerUser,
  });
  return Object.freeze({
    sessions,
    devices: createTrustedDevices({ store: stores.devices }),
    // CSRF: the app's own origin (the request's Host), PUBLIC_URL and CORS_ORIGINS. A cookie
    // write with neither Origin nor Sec-Fetch-Site is refused too (EXAMPLE-API.md, "Sessions").
    authenticator: sessionAuthenticator(sessions, {
      csrf: { trustedOrigins: [...config.trustedOrigins], missingHeaders: 'refuse' },
    }),
  });
}
