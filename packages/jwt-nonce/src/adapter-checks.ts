import { CONFIG_ERROR_CODES, RampartConfigError } from '@rampart/core';
import { z } from 'zod';
import type { JwtNonce } from './api.js';

const TOKENS_RULE = 'must be the result of createJwtNonce()';

function isJwtNonce(tokens: unknown): tokens is JwtNonce {
  return typeof (tokens as Partial<JwtNonce> | null | undefined)?.authenticate === 'function';
}

/** The `tokens` option of an adapter's options object (`fastifyJwtNonce`). */
export const tokensSchema = z.custom<JwtNonce>(isJwtNonce, { error: TOKENS_RULE });

/**
 * The `tokens` an adapter is given as its first argument, checked at start-up: without it every
 * request would be a 500 (`undefined.authenticate`), found only when the route is first called.
 */
export function checkedTokens(owner: string, tokens: unknown): JwtNonce {
  if (isJwtNonce(tokens)) return tokens;
  const code =
    tokens === undefined ? CONFIG_ERROR_CODES.missingOption : CONFIG_ERROR_CODES.invalidType;
  throw new RampartConfigError(`${owner}.tokens`, TOKENS_RULE, code);
}
