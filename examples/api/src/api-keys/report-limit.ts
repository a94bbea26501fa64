import type { RateLimitPolicy } from '@rampart/rate-limit';

/**
 * Compromise reports per client IP (EXAMPLE-API.md: "Rate-limited per IP"): the route needs no
 * credential and each report costs a store lookup, so one address may send 10 a minute.
 */
export const REPORT_COMPROMISED_POLICIES: Readonly<Record<string, RateLimitPolicy>> = Object.freeze(
  {
    'key-reports': { algorithm: 'fixed-window', limit: 10, windowMs: 60_000 },
  },
);

/** A fixed scope, which the early answer of a body refused before the limit ran reads too. */
export const REPORT_COMPROMISED_SCOPE = 'key-reports';
