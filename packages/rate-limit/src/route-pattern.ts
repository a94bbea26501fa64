import { z } from 'zod';

const PATTERN_MESSAGE =
  'must be a path pattern starting with / (letters, digits, -._~ and :param or *wildcard segments).';

/**
 * An Express 5 route pattern (`/a/:id/b`, `/files/*rest`), validated and compiled into a RegExp
 * matching request paths the way Express matches them by default: case-insensitively, an
 * optional trailing slash, `:name` one non-empty segment, `*name` the rest of the path. No
 * optional groups or regex syntax: a rule table is for plain patterns.
 */
export const routePatternSchema = z
  .string({ error: PATTERN_MESSAGE })
  .regex(/^\/[A-Za-z0-9\-._~!$&'()+,;=:@/*]{0,255}$/, PATTERN_MESSAGE)
  .refine(
    (route) =>
      route
        .split('/')
        .slice(1)
        .every((segment) => segmentSource(segment) !== undefined),
    'a segment is neither literal, :param nor *wildcard.',
  )
  .transform((route) => {
    const source = route
      .split('/')
      .slice(1)
      .map((segment) => segmentSource(segment) as string)
      .join('');
    return { text: route, pattern: new RegExp(`^${source === '/' ? '' : source}/?$`, 'i') };
  });

/** The RegExp source of one segment, `undefined` when it is not a plain one. */
function segmentSource(segment: string): string | undefined {
  if (/^:[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return '/[^/]+';
  if (/^\*[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return '/.+';
  if (!/[:*]/.test(segment)) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  return undefined;
}
