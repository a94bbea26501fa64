import { type Sessions, sessionOf } from '@rampart/sessions';
import type { RotateSession } from './mfa-actions.js';

/**
 * EXAMPLE-API.md: the session id changes when MFA is turned on or off. A caller that came with a
 * session cookie gets a new session (the old token dies at once) carrying the new `mfaAt`; a
 * bearer token or an API key has no session to rotate.
 */
export function sessionRotation(sessions: Sessions): RotateSession {
  return async function rotateSession(auth, request, mfaAt) {
    const session = sessionOf(auth);
    if (session === undefined) return undefined;
    return (await sessions.rotate(session, request, { mfaAt })).setCookie;
  };
}
