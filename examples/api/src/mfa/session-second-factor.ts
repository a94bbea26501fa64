import type { SecurityRequest } from '@rampart/core';
import { codeRequiredError, type Mfa } from '@rampart/mfa';
import type { TrustedDevices } from '@rampart/sessions';
import type { SecondFactor } from '../sessions/session-actions.js';
import type { User } from '../users/user-store.js';

/**
 * The second factor of `POST /api/v1/sessions` (EXAMPLE-API.md): a user with MFA sends `code`
 * (TOTP or recovery code) unless the request carries a trusted-device cookie of theirs; with
 * `rememberDevice: true` beside a correct code the device is trusted for 30 days (`__Host-tdid`).
 * The session records `mfaAt`: the code's time, or none on a trusted device (no factor was
 * passed in this sign-in).
 */
export function mfaSecondFactor(mfa: Mfa, devices: TrustedDevices): SecondFactor {
  return async function secondFactor(
    user: User,
    input: { readonly code?: string | undefined; readonly rememberDevice?: boolean | undefined },
    request: SecurityRequest,
  ) {
    if (!(await mfa.status(user.id)).enabled) return {};
    // 400 ERR_COOKIE_MALFORMED for a malformed Cookie header; undefined without the cookie.
    const deviceToken = devices.readToken(request);
    if (input.code === undefined) {
      if (deviceToken !== undefined && !(await mfa.needsChallenge(user.id, deviceToken))) return {};
      throw codeRequiredError();
    }
    const passed = await mfa.verify(user.id, input.code);
    if (input.rememberDevice !== true) return { mfaAt: passed.at };
    const device = await devices.issue(user.id, request);
    return { mfaAt: passed.at, setCookies: [device.setCookie] };
  };
}
