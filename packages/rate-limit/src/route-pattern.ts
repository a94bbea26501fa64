import { RampartConfigError } from '@rampart/core';

/**
 * Compiles an Express 5 route pattern (`/a/:id/b`, `/files/*rest`) into a RegExp matching request
 * paths the way Express matches them by default: case-insensitively, an optional trailing slash,
 * `:name` one non-empty segment, `*name` the rest of the path. No optional groups or regex
 * syntax: a rule table is for plain patterns.
 */
export function compileRoutePattern(option: string, route: unknown): RegExp {
  if (typeof route !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()+,;=:@/*]{0,255}$/.test(route)) {
    throw new RampartConfigError(
      option,
      'must be a path pattern starting with / (letters, digits, -._~ and :param or *wildcard segments).',
    );
  }
  let source = '';
  for (const segment of route.split('/').slice(1)) {
    if (/^:[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) source += '/[^/]+';
    else if (/^\*[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) source += '/.+';
    else if (!/[:*]/.test(segment)) source += `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    else
      throw new RampartConfigError(
        option,
        `segment ${JSON.stringify(segment)} is neither literal, :param nor *wildcard.`,
      );
  }
  return new RegExp(`^${source === '/' ? '' : source}/?$`, 'i');
}
