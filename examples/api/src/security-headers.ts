/**
 * Headers every response carries until `@rampart/headers` exists. An API answers JSON only,
 * so nothing may sniff it as HTML, frame it, leak its URL onward or cache it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Responses hold per-user data and tokens from later issues; no proxy or browser keeps them.
  'Cache-Control': 'no-store',
});

/** Headers that must never be sent: they only tell an attacker what to aim at. */
export const FORBIDDEN_HEADERS: readonly string[] = Object.freeze(['X-Powered-By']);
