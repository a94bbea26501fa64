import { z } from 'zod';

/** An RFC 9110 token: what a cookie name must be. */
export const HTTP_TOKEN_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `name` option of a cookie: an RFC 9110 token of at most 64 characters. `__Host-` is
 * recommended (the browser then sends it only to this host, over HTTPS, for every path).
 */
export const cookieNameSchema = z
  .string({ error: "must be a cookie name such as '__Host-sid'." })
  .max(64, { error: 'must be at most 64 characters.' })
  .regex(HTTP_TOKEN_PATTERN, {
    error: "must be a cookie name (an RFC 9110 token) such as '__Host-sid'.",
  });
