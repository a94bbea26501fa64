import { createHash } from 'node:crypto';
import type { ClientIpResolver } from '@rampart/core';
import type { RateLimitRequest } from './request.js';

/**
 * What identifies a client for a limit:
 * - `'ip'`: the client IP grouped by core's resolver rules (IPv6 by /64, `::ffff:a.b.c.d` as
 *   `a.b.c.d`): part `203.0.113.7`, `2001:db8:1:2::/64`.
 * - `'principal'`: the authenticated principal, part `user:42` / `api-key:k_1`; a request without
 *   one falls back to its IP, so anonymous callers are still limited.
 * - a function of the request returning a string (an email from the body, a tenant id): part
 *   `x:<value>`; `undefined` or `''` counts as the value `-`.
 *
 * An array combines them (`['ip', (req) => email]`: one bucket per IP and email).
 */
export type KeySource = 'ip' | 'principal' | ((request: RateLimitRequest) => string | undefined);

/** Longest key part kept as is; longer ones are hashed so a client cannot grow memory at will. */
const MAX_PART_LENGTH = 128;

type IdentityPart = (request: RateLimitRequest) => string;

/** Compiles the validated `key` option into a function from a request to its identity string. */
export function compileIdentity(
  key: KeySource | readonly KeySource[],
  clientIp: ClientIpResolver,
): IdentityPart {
  const sources: readonly KeySource[] = Array.isArray(key) ? key : [key as KeySource];
  const parts = sources.map((source) => compileSource(source, clientIp));
  if (parts.length === 1) return parts[0] as IdentityPart;
  return function combinedIdentity(request: RateLimitRequest): string {
    return parts.map((part) => part(request)).join('|');
  };
}

function compileSource(source: KeySource, clientIp: ClientIpResolver): IdentityPart {
  const ipPart = (request: RateLimitRequest) => clientIp.key(request.ip);
  if (source === 'ip') return ipPart;
  if (source === 'principal') {
    return function principalPart(request: RateLimitRequest): string {
      const principal = request.principal;
      if (principal === undefined || typeof principal.id !== 'string' || principal.id === '') {
        return ipPart(request);
      }
      return `${escapePart(String(principal.kind))}:${escapePart(principal.id)}`;
    };
  }
  return function customPart(request: RateLimitRequest): string {
    const value = source(request);
    return `x:${typeof value === 'string' && value !== '' ? escapePart(value) : '-'}`;
  };
}

/** Separators, `%` and anything outside printable ASCII (NUL, which Postgres text refuses, included). */
const NEEDS_ESCAPE = /[^!-~]|[%|:#]/;
const ESCAPED = /[^!-~]|[%|:#]/g;

/**
 * Escapes a key part so that parts joined with `|` never collide (`a|b` + `c` vs `a` + `b|c`)
 * and every store can hold it: separators, `%` and every character outside printable ASCII
 * become `%XX` (or `%uXXXX` above 0xFF, lone surrogates included), so a part is printable ASCII.
 * Parts over 128 characters are hashed (`#<sha256>`; `#` never starts an escaped part).
 */
export function escapePart(value: string): string {
  if (value.length > MAX_PART_LENGTH)
    return `#${createHash('sha256').update(value).digest('base64url')}`;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPED, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `%${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `%u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
