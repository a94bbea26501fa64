import { RampartConfigError } from '@rampart/core';
import type { JwtNonce } from './api.js';

/**
 * The `tokens` an adapter is given, checked at start-up: without it every request would be a 500
 * (`undefined.authenticate`), found only when the route is first called.
 */
export function checkedTokens(owner: string, tokens: unknown): JwtNonce {
  if (typeof (tokens as Partial<JwtNonce> | null | undefined)?.authenticate !== 'function') {
    throw new RampartConfigError(`${owner}.tokens`, 'must be the result of createJwtNonce()');
  }
  return tokens as JwtNonce;
}
