import { createHash } from 'node:crypto';
import { type ClientIpResolver, RampartConfigError } from '@rampart/core';
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

const IP_KEY_CACHE_SIZE = 10_000;

/** Longest key part kept as is; longer ones are hashed so a client cannot grow memory at will. */
const MAX_PART_LENGTH = 128;

/** Identity functions that depend on `request.ip` alone (the key `'ip'`). */
const ipOnlyIdentities = new WeakSet<(request: RateLimitRequest) => string>();

/** Whether `identity` (from {@link compileIdentity}) depends on `request.ip` alone. */
export function isIpOnlyIdentity(identity: (request: RateLimitRequest) => string): boolean {
  return ipOnlyIdentities.has(identity);
}

/** Compiles the `key` option into a function from a request to its identity string. */
export function compileIdentity(
  owner: string,
  key: KeySource | readonly KeySource[] | undefined,
  clientIp: ClientIpResolver,
): (request: RateLimitRequest) => string {
  const sources: readonly KeySource[] =
    key === undefined ? ['ip'] : Array.isArray(key) ? key : [key as KeySource];
  if (sources.length < 1 || sources.length > 4) {
    throw new RampartConfigError(`${owner}.key`, 'must be one key source or an array of 1 to 4.');
  }
  const parts = sources.map((source, index) =>
    compileSource(`${owner}.key[${index}]`, source, clientIp),
  );
  if (parts.length === 1) {
    const part = parts[0] as (request: RateLimitRequest) => string;
    if (sources[0] === 'ip') ipOnlyIdentities.add(part);
    return part;
  }
  return function combinedIdentity(request: RateLimitRequest): string {
    let identity = (parts[0] as (request: RateLimitRequest) => string)(request);
    for (let i = 1; i < parts.length; i++)
      identity += `|${(parts[i] as (request: RateLimitRequest) => string)(request)}`;
    return identity;
  };
}

function compileSource(
  option: string,
  source: KeySource,
  clientIp: ClientIpResolver,
): (request: RateLimitRequest) => string {
  // Keys are memoised per IP: the resolver parses and formats on each call, while a socket hands
  // every request of a connection the same string. The cached key is then one stable string, so
  // the memory store's lookup reuses its hash too. Cleared when full: churn only costs parsing.
  const cache = new Map<string, string>();
  const ipPart = (request: RateLimitRequest) => {
    let key = cache.get(request.ip);
    if (key === undefined) {
      key = clientIp.key(request.ip);
      if (cache.size >= IP_KEY_CACHE_SIZE) cache.clear();
      cache.set(request.ip, key);
    }
    return key;
  };
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
  if (typeof source === 'function') {
    return function customPart(request: RateLimitRequest): string {
      const value = source(request);
      return `x:${typeof value === 'string' && value !== '' ? escapePart(value) : '-'}`;
    };
  }
  throw new RampartConfigError(
    option,
    "must be 'ip', 'principal' or a function (request) => string.",
  );
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
