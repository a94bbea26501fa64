import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RampartConfigError } from '../errors/configuration-error.js';
import {
  isExactPermission,
  isPermissionPattern,
  MAX_PERMISSION_LENGTH,
  PermissionSet,
  parsePermission,
  parsePermissionList,
  scopesGrant,
} from './permissions.js';

describe('parsePermission', () => {
  it.each([
    ['entities:read', { resource: 'entities', action: 'read' }],
    ['entities:*', { resource: 'entities', action: '*' }],
    ['*', { resource: '*', action: '*' }],
    ['api-keys:rotate', { resource: 'api-keys', action: 'rotate' }],
    ['audit.log:read_all', { resource: 'audit.log', action: 'read_all' }],
  ])('reads %s', (text, parsed) => {
    expect(parsePermission(text)).toEqual(parsed);
  });

  it.each([
    '',
    'entities',
    'entities:',
    ':read',
    '*:read',
    '*:*',
    'entities:re*',
    'entities:**',
    'Entities:read',
    'entities:Read',
    'entities:read ',
    ' entities:read',
    'entities:read:all',
    '1entities:read',
    'entities:-read',
    'ent ities:read',
    'entités:read',
    `${'a'.repeat(65)}:read`,
    `a:${'b'.repeat(65)}`,
    42,
    null,
    undefined,
    ['entities:read'],
  ])('refuses %j', (text) => {
    expect(parsePermission(text)).toBeNull();
    expect(isPermissionPattern(text)).toBe(false);
  });

  it('keeps the longest names it allows within MAX_PERMISSION_LENGTH', () => {
    const longest = `${'a'.repeat(64)}:${'b'.repeat(64)}`;
    expect(longest).toHaveLength(MAX_PERMISSION_LENGTH);
    expect(isExactPermission(longest)).toBe(true);
  });

  it('tells exact permissions from wildcards', () => {
    expect(isExactPermission('entities:read')).toBe(true);
    expect(isExactPermission('entities:*')).toBe(false);
    expect(isExactPermission('*')).toBe(false);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = parsePermission(value);
        expect(parsed === null || typeof parsed.resource === 'string').toBe(true);
      }),
    );
  });
});

describe('parsePermissionList', () => {
  it('returns the distinct patterns, frozen', () => {
    const list = parsePermissionList(['a:b', 'a:*', 'a:b', '*'], 'roles.x.permissions');
    expect(list).toEqual(['a:b', 'a:*', '*']);
    expect(Object.isFrozen(list)).toBe(true);
  });

  it('names the bad entry and its kind of problem', () => {
    expect(() => parsePermissionList(['a:b', '*:read'], 'roles.admin.permissions')).toThrow(
      expect.objectContaining({
        option: 'roles.admin.permissions[1]',
        code: 'ERR_CONFIG_INVALID_VALUE',
      }),
    );
    expect(() => parsePermissionList(['a:b', 7], 'scopes')).toThrow(
      expect.objectContaining({ option: 'scopes[1]', code: 'ERR_CONFIG_INVALID_TYPE' }),
    );
    expect(() => parsePermissionList('a:b' as never, 'scopes')).toThrow(RampartConfigError);
  });
});

/** Which set entries grant which requested pattern: the semantics, one row each. */
const TABLE: readonly [set: readonly string[], asked: string, granted: boolean][] = [
  [['entities:read'], 'entities:read', true],
  [['entities:read'], 'entities:write', false],
  [['entities:read'], 'entities:*', false],
  [['entities:read'], '*', false],
  [['entities:*'], 'entities:read', true],
  [['entities:*'], 'entities:delete', true],
  [['entities:*'], 'entities:*', true],
  [['entities:*'], 'profile:read', false],
  [['entities:*'], '*', false],
  [['*'], 'entities:read', true],
  [['*'], 'entities:*', true],
  [['*'], '*', true],
  [['*'], 'entities', false],
  [['*'], '*:read', false],
  [['*'], 'Entities:read', false],
  [['*'], '', false],
  [['entities:read', 'profile:*'], 'profile:write', true],
  [['entities:read', 'profile:*'], 'entities:write', false],
  [[], 'entities:read', false],
  [['entities:read'], 'entities:read ', false],
  [['entities:rea'], 'entities:read', false],
  [['entitie:*'], 'entities:read', false],
];

describe('PermissionSet', () => {
  it.each(TABLE)('%j grants %j: %s', (patterns, asked, granted) => {
    expect(PermissionSet.from(patterns).grants(asked)).toBe(granted);
  });

  it('covers a set exactly when it grants each of its patterns, and names what is missing', () => {
    const admin = PermissionSet.from(['users:read', 'entities:*']);
    expect(admin.covers(PermissionSet.from(['entities:read', 'users:read']))).toBe(true);
    expect(admin.covers(['entities:*'])).toBe(true);
    expect(admin.covers(['users:*'])).toBe(false);
    expect(admin.missing(['users:*', 'users:read', '*'])).toEqual(['users:*', '*']);
    expect(PermissionSet.empty.covers([])).toBe(true);
    expect(PermissionSet.empty.grants('a:b')).toBe(false);
  });

  it('refuses a bad pattern at construction, naming the option', () => {
    expect(() => PermissionSet.from(['entities:read', 'entities:re*'], 'scopes')).toThrow(
      /^scopes\[1\]:/,
    );
  });
});

describe('scopesGrant', () => {
  it.each(TABLE.filter(([, asked]) => isExactPermission(asked)))(
    '%j grants %j: %s (like PermissionSet)',
    (scopes, asked, granted) => {
      expect(scopesGrant(scopes, asked)).toBe(granted);
    },
  );

  it('answers no for a wildcard or a non-permission asked for, and ignores junk scopes', () => {
    expect(scopesGrant(['*'], 'entities:*')).toBe(false);
    expect(scopesGrant(['*'], 'nonsense')).toBe(false);
    expect(scopesGrant(['entities:re*', '*:read', 'entities'], 'entities:read')).toBe(false);
  });
});

/**
 * The reference: the rules as written in prose, with no sets, no parsing shortcuts and no
 * wildcard cleverness, to compare the compiled sets against.
 */
function referenceGrants(patterns: readonly string[], asked: string): boolean {
  const valid = (text: string) =>
    /^([a-z][a-z0-9_.-]{0,63}):([a-z][a-z0-9_.-]{0,63}|\*)$/.test(text) || text === '*';
  if (!valid(asked)) return false;
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (asked === '*') return false;
    const [resource, action] = pattern.split(':');
    const [askedResource, askedAction] = asked.split(':');
    if (resource !== askedResource) return false;
    return action === '*' || action === askedAction;
  });
}

describe('PermissionSet against the reference', () => {
  const names = fc.constantFrom('entities', 'users', 'profile', 'read', 'write', 'a', 'a-b');
  const pattern = fc.oneof(
    fc.tuple(names, names).map(([r, a]) => `${r}:${a}`),
    names.map((r) => `${r}:*`),
    fc.constant('*'),
  );
  const asked = fc.oneof(
    pattern,
    fc.string({ maxLength: 12 }),
    fc.tuple(names, names).map(([r, a]) => `${r.toUpperCase()}:${a}`),
    fc.tuple(names, fc.string({ maxLength: 4 })).map(([r, a]) => `${r}:${a}`),
  );

  it('grants exactly what the prose rules grant', () => {
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 6 }), asked, (patterns, question) => {
        const expected = referenceGrants(patterns, question);
        expect(PermissionSet.from(patterns).grants(question)).toBe(expected);
        if (isExactPermission(question)) expect(scopesGrant(patterns, question)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('covers exactly when the reference grants every pattern of the other set', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 5 }),
        fc.array(pattern, { maxLength: 5 }),
        (mine, theirs) => {
          const expected = theirs.every((p) => referenceGrants(mine, p));
          expect(PermissionSet.from(mine).covers(PermissionSet.from(theirs))).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
