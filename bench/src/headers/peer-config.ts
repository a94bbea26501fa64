/**
 * How the headers benchmark configures the peers: helmet given our api preset's options, and the
 * two headers it has no option for set beside it with our values, so they send what ours sends.
 */
import { createSecurityHeaders } from '@rampart/headers';
import type { HelmetOptions } from 'helmet';

/** Our api preset written as helmet options: the peers send the same security headers. */
export const API_AS_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xFrameOptions: { action: 'deny' },
  xXssProtection: false,
};
/**
 * The two headers of our preset helmet has no option for, with our values: a helmet user who
 * wants them sets them beside it, so the peers send the same bytes as ours.
 */
const OURS = createSecurityHeaders().record;
export const BESIDE_HELMET: ReadonlyArray<readonly [string, string]> = [
  ['Permissions-Policy', OURS['Permissions-Policy'] as string],
  ['Cache-Control', OURS['Cache-Control'] as string],
];
