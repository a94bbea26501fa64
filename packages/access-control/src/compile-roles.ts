import {
  CONFIG_ERROR_CODES,
  isExactPermission,
  PermissionSet,
  parsePermission,
  RampartConfigError,
} from '@rampart/core';

/** A role after compilation: what it grants, as patterns and as the catalogue it covers. */
export interface CompiledRole {
  readonly name: string;
  /** Its own and its inherited patterns. */
  readonly patterns: PermissionSet;
  /** The catalogue's permissions it grants: the set a check looks in. */
  readonly granted: ReadonlySet<string>;
  /** The role itself and every role it inherits, transitively. */
  readonly lineage: ReadonlySet<string>;
}

interface RoleInput {
  readonly permissions?: readonly unknown[];
  readonly inherits?: readonly unknown[];
}

const OWNER = 'createAccessControl';

/** Checks the catalogue: exact permissions only (a wildcard is something a role grants). */
export function compileCatalogue(permissions: unknown): readonly string[] {
  if (!Array.isArray(permissions) || permissions.length === 0) {
    throw new RampartConfigError(
      `${OWNER}.permissions`,
      "must be a non-empty array of the app's permissions, such as ['users:read', 'users:write'].",
      Array.isArray(permissions) ? CONFIG_ERROR_CODES.outOfRange : CONFIG_ERROR_CODES.missingOption,
    );
  }
  permissions.forEach((permission: unknown, index) => {
    if (!isExactPermission(permission)) {
      throw new RampartConfigError(
        `${OWNER}.permissions[${index}]`,
        `${JSON.stringify(permission) ?? String(permission)} is not a 'resource:action' permission ` +
          '(lower-case names; the catalogue lists exact permissions, roles use the wildcards).',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  });
  return Object.freeze([...new Set(permissions as string[])]);
}

/**
 * Compiles every role: its patterns with those of the roles it inherits, and the catalogue's
 * permissions they grant, so a check is one `Set#has`. Throws `RampartConfigError` for an unknown
 * inherited role, a cycle, or a pattern that grants nothing in the catalogue (a typo such as
 * `entites:read` would otherwise grant nothing without a word).
 */
export function compileRoles(
  roles: unknown,
  catalogue: readonly string[],
): ReadonlyMap<string, CompiledRole> {
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) {
    throw new RampartConfigError(
      `${OWNER}.roles`,
      "must be an object of roles, such as { user: { permissions: ['entities:read'] } }.",
      roles === undefined ? CONFIG_ERROR_CODES.missingOption : CONFIG_ERROR_CODES.invalidType,
    );
  }
  const definitions = new Map<string, RoleInput>(Object.entries(roles));
  if (definitions.size === 0) {
    throw new RampartConfigError(`${OWNER}.roles`, 'must define at least one role.');
  }
  const own = new Map<string, PermissionSet>();
  for (const [name, definition] of definitions) {
    own.set(name, ownPatterns(name, definition, catalogue, definitions));
  }
  const compiled = new Map<string, CompiledRole>();
  const visiting = new Set<string>();
  function compile(name: string): CompiledRole {
    const done = compiled.get(name);
    if (done !== undefined) return done;
    if (visiting.has(name)) {
      throw new RampartConfigError(
        `${OWNER}.roles.${name}.inherits`,
        `inherits itself through ${[...visiting, name].join(' → ')}; inheritance cannot be a cycle.`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    visiting.add(name);
    const lineage = new Set([name]);
    const patterns = [...(own.get(name) as PermissionSet).patterns];
    for (const parent of (definitions.get(name)?.inherits ?? []) as string[]) {
      const inherited = compile(parent);
      for (const role of inherited.lineage) lineage.add(role);
      patterns.push(...inherited.patterns.patterns);
    }
    visiting.delete(name);
    const set = PermissionSet.from(patterns);
    const role: CompiledRole = Object.freeze({
      name,
      patterns: set,
      granted: new Set(catalogue.filter((permission) => set.grants(permission))),
      lineage,
    });
    compiled.set(name, role);
    return role;
  }
  for (const name of definitions.keys()) compile(name);
  return compiled;
}

function ownPatterns(
  name: string,
  definition: RoleInput,
  catalogue: readonly string[],
  definitions: ReadonlyMap<string, RoleInput>,
): PermissionSet {
  const option = `${OWNER}.roles.${name}`;
  if (typeof definition !== 'object' || definition === null) {
    throw new RampartConfigError(
      option,
      'must be an object such as { permissions: [...], inherits: [...] }.',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  for (const key of Object.keys(definition)) {
    if (key !== 'permissions' && key !== 'inherits') {
      throw new RampartConfigError(
        `${option}.${key}`,
        'is not an option.',
        CONFIG_ERROR_CODES.unknownOption,
      );
    }
  }
  const set = PermissionSet.from(definition.permissions ?? [], `${option}.permissions`);
  const resources = new Set(catalogue.map((permission) => parsePermission(permission)?.resource));
  (definition.permissions as readonly string[] | undefined)?.forEach((pattern, index) => {
    const parsed = parsePermission(pattern);
    const known =
      pattern === '*' ||
      (parsed?.action === '*' ? resources.has(parsed.resource) : catalogue.includes(pattern));
    if (!known) {
      throw new RampartConfigError(
        `${option}.permissions[${index}]`,
        `${JSON.stringify(pattern)} grants nothing in createAccessControl.permissions; add it there or fix the name.`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  });
  const inherits: unknown = definition.inherits ?? [];
  if (!Array.isArray(inherits)) {
    throw new RampartConfigError(
      `${option}.inherits`,
      "must be an array of role names such as ['user'].",
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  inherits.forEach((parent: unknown, index) => {
    if (typeof parent !== 'string' || !definitions.has(parent)) {
      throw new RampartConfigError(
        `${option}.inherits[${index}]`,
        `${JSON.stringify(parent) ?? String(parent)} is not a role of createAccessControl.roles.`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  });
  return set;
}
