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
  for (const [name, value] of Object.entries(claims)) {
    if (REGISTERED_CLAIMS.has(name)) {
      throw new RampartConfigError(`issue.claims.${name}`, 'is set by @rampart/jwt-nonce itself');
    }
    const problem = notJson(value, 0, new Set());
    if (problem !== undefined) {
      throw new RampartConfigError(`issue.claims.${name}`, `must be JSON, not ${problem}`);
    }
  }
  return claims as Record<string, unknown>;
}

/** Deepest nesting of a claim's value. */
const MAX_CLAIM_DEPTH = 32;

/**
 * What in `value` a JWT cannot carry as it is, or `undefined` when it is plain JSON: a function,
 * a symbol or a bigint (which signing would drop or choke on), a number that is not finite (JSON
 * writes `null`), a cycle, an object that is not plain (a `Date`, a `Map`: JSON would write
 * something else than what the application holds).
 */
function notJson(value: unknown, depth: number, path: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `the number ${value}`;
    case 'object': {
      if (value === null) return undefined;
      if (depth >= MAX_CLAIM_DEPTH) return `nesting deeper than ${MAX_CLAIM_DEPTH}`;
      if (path.has(value)) return 'a cycle';
      const prototype = Object.getPrototypeOf(value);
      const plain = Array.isArray(value) || prototype === Object.prototype || prototype === null;
      if (!plain) return `an instance of ${prototype?.constructor?.name ?? 'a class'}`;
      path.add(value);
      for (const item of Object.values(value)) {
        const problem = notJson(item, depth + 1, path);
        if (problem !== undefined) return problem;
      }
      path.delete(value);
      return undefined;
    }
    default:
      return `a ${typeof value}`;
  }
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
