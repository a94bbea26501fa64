import { CONFIG_ERROR_CODES, RampartConfigError } from '../errors/configuration-error.js';

/**
 * The permission grammar shared by roles (`@rampart/access-control`) and API-key scopes
 * (`@rampart/api-keys`), so a scope and a role grant mean the same thing:
 *
 * - `resource:action`: one action on one resource, e.g. `entities:read`;
 * - `resource:*`: every action of the resource;
 * - `*`: everything.
 *
 * Nothing else is a wildcard: `*:read`, `entities:re*` and `entities` are refused, not read
 * generously. A name (resource or action) is 1 to 64 characters of lower-case ASCII letters,
 * digits, `_`, `-` and `.`, starting with a letter; matching is exact and case-sensitive, so
 * `Entities:read` cannot stand in for `entities:read`.
 */
export type PermissionPattern = `${string}:${string}` | '*';

/** The longest permission text: two 64-character names and the colon. */
export const MAX_PERMISSION_LENGTH = 129;

/** One resource or action name (see {@link PermissionPattern}). */
const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/** A permission split into its parts; `action` is `'*'` for `resource:*`. */
export interface ParsedPermission {
  readonly resource: string;
  readonly action: string;
}

/**
 * Splits `text` into resource and action, or returns `null` when it is not a permission:
 * `'*'` (everything) is answered as `{ resource: '*', action: '*' }`. Never throws.
 *
 * @example
 * parsePermission('entities:read'); // { resource: 'entities', action: 'read' }
 * parsePermission('entities:*');    // { resource: 'entities', action: '*' }
 * parsePermission('*:read');        // null
 */
export function parsePermission(text: unknown): ParsedPermission | null {
  if (typeof text !== 'string' || text.length > MAX_PERMISSION_LENGTH) return null;
  if (text === '*') return { resource: '*', action: '*' };
  const colon = text.indexOf(':');
  if (colon === -1) return null;
  const resource = text.slice(0, colon);
  const action = text.slice(colon + 1);
  if (!NAME.test(resource)) return null;
  if (action !== '*' && !NAME.test(action)) return null;
  return { resource, action };
}

/** True when `text` is a permission pattern: `resource:action`, `resource:*` or `*`. */
export function isPermissionPattern(text: unknown): text is PermissionPattern {
  return parsePermission(text) !== null;
}

/** True when `text` names one action on one resource (`entities:read`), with no wildcard. */
export function isExactPermission(text: unknown): text is `${string}:${string}` {
  const parsed = parsePermission(text);
  return parsed !== null && parsed.action !== '*';
}

const PATTERN_RULE =
  "must be 'resource:action', 'resource:*' or '*' (names of lower-case letters, digits, '_', '-' " +
  "and '.', starting with a letter, at most 64 characters each); no other wildcard exists.";

/**
 * Checks a configured list of permission patterns and returns it frozen, or throws
 * `RampartConfigError` naming the first bad entry (`roles.admin.permissions[2]`). Duplicates are
 * kept out of the result.
 *
 * @example
 * parsePermissionList(['entities:*', 'profile:read'], 'roles.user.permissions');
 */
export function parsePermissionList(
  entries: readonly unknown[],
  option: string,
): readonly string[] {
  if (!Array.isArray(entries)) {
    throw new RampartConfigError(
      option,
      "must be an array of permissions such as ['entities:read'].",
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  const seen = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    if (!isPermissionPattern(entry)) {
      throw new RampartConfigError(
        `${option}[${index}]`,
        `${JSON.stringify(entry) ?? String(entry)} ${PATTERN_RULE}`,
        typeof entry === 'string'
          ? CONFIG_ERROR_CODES.invalidValue
          : CONFIG_ERROR_CODES.invalidType,
      );
    }
    seen.add(entry);
  });
  return Object.freeze([...seen]);
}

/**
 * A compiled set of permission patterns: a check is one or two hash lookups, never a scan or a
 * regex. Build it once (for a role, for an API key's scopes) and ask it many times.
 *
 * `grants(p)` answers whether holding this set means holding `p`, for any pattern `p`:
 * `grants('entities:read')` is true under `entities:read`, `entities:*` or `*`;
 * `grants('entities:*')` only under `entities:*` or `*`; `grants('*')` only under `*`. Text that is
 * not a permission is granted by nothing, not even by `*` (deny by default).
 *
 * @example
 * const user = PermissionSet.from(['entities:read', 'profile:*']);
 * user.grants('profile:write'); // true
 * user.grants('entities:write'); // false
 * user.covers(PermissionSet.from(['profile:read'])); // true
 */
export class PermissionSet {
  /** The set's distinct patterns, in the order first given. */
  readonly patterns: readonly string[];
  /** True when the set holds `*`. */
  readonly grantsEverything: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly wholeResources: ReadonlySet<string>;

  private constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    const exact = new Set<string>();
    const wholeResources = new Set<string>();
    let everything = false;
    for (const pattern of patterns) {
      const parsed = parsePermission(pattern) as ParsedPermission;
      if (pattern === '*') everything = true;
      else if (parsed.action === '*') wholeResources.add(parsed.resource);
      else exact.add(pattern);
    }
    this.grantsEverything = everything;
    this.exact = exact;
    this.wholeResources = wholeResources;
    Object.freeze(this);
  }

  /**
   * Compiles `patterns`; throws `RampartConfigError` naming `option[i]` for an entry that is not a
   * permission pattern (default option name: `permissions`).
   */
  static from(patterns: readonly unknown[], option = 'permissions'): PermissionSet {
    return new PermissionSet(parsePermissionList(patterns, option));
  }

  /** The set granting nothing. */
  static readonly empty: PermissionSet = new PermissionSet(Object.freeze([]));

  /** True when holding this set means holding `permission` (see the class comment). */
  grants(permission: string): boolean {
    if (this.exact.has(permission)) {
      return true;
    }
    const parsed = parsePermission(permission);
    if (parsed === null) return false;
    if (this.grantsEverything) return true;
    if (parsed.resource === '*') return false;
    return this.wholeResources.has(parsed.resource);
  }

  /** True when this set grants every pattern of `other`: `other` ⊆ this. */
  covers(other: PermissionSet | readonly string[]): boolean {
    const patterns = other instanceof PermissionSet ? other.patterns : other;
    for (const pattern of patterns) {
      if (!this.grants(pattern)) return false;
    }
    return true;
  }

  /** The patterns of `other` this set does not grant, in `other`'s order (empty when covered). */
  missing(other: PermissionSet | readonly string[]): readonly string[] {
    const patterns = other instanceof PermissionSet ? other.patterns : other;
    return patterns.filter((pattern) => !this.grants(pattern));
  }
}

/**
 * True when a list of scopes (an API key's, already checked when the key was made) grants the
 * exact permission `permission`, with the wildcard rules of {@link PermissionSet}; for a request's
 * scopes, which come and go with each request, without compiling a set. A scope that is not a
 * permission pattern grants nothing.
 *
 * @example
 * scopesGrant(['entities:*'], 'entities:read'); // true
 * scopesGrant(['entities:read'], 'entities:write'); // false
 */
export function scopesGrant(scopes: readonly string[], permission: string): boolean {
  const parsed = parsePermission(permission);
  if (parsed === null || parsed.action === '*') return false;
  const wholeResource = `${parsed.resource}:*`;
  for (const scope of scopes) {
    if (scope === permission || scope === wholeResource || scope === '*') return true;
  }
  return false;
}
