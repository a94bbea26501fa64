import { RampartConfigError } from '@rampart/core';
import { REGISTERED_CLAIMS } from './issue.js';

/** 1 to 256 characters, none of them a C0 control (a user id ends up in keys and logs). */
export function isUserId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20) return false;
  return true;
}

/** The application claims given to `issue`/`refresh`: a plain object without registered names. */
export function checkClaimsOption(claims: unknown): Readonly<Record<string, unknown>> | undefined {
  if (claims === undefined) return undefined;
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new RampartConfigError('issue.claims', 'must be a plain object');
  }
  for (const name of Object.keys(claims)) {
    if (REGISTERED_CLAIMS.has(name)) {
      throw new RampartConfigError(`issue.claims.${name}`, 'is set by @rampart/jwt-nonce itself');
    }
  }
  return claims as Record<string, unknown>;
}

/** The claims of a verified token that the application set, to carry into the next pair. */
export function applicationClaims(
  payload: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (!REGISTERED_CLAIMS.has(name)) claims[name] = value;
  }
  return claims;
}
