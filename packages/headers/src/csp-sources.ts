/** Keywords that switch off what a CSP is for: inline script, `eval`, inline event handlers. */
const UNSAFE_KEYWORDS = new Set(["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"]);

/** Directives that decide where script and plugins come from. */
const SCRIPT_DIRECTIVES = new Set([
  'default-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'object-src',
]);

/** Sources that let any site's script run: every host, or every host of a scheme. */
const ANY_HOST_SOURCES = new Set(['*', 'http:', 'https:', 'data:', 'blob:']);

/**
 * Why a directive's source is refused, or `undefined` when it is acceptable. Helmet writes any
 * quoted keyword it is given; this is the check it does not make.
 */
export function unsafeSourceReason(directive: string, source: string): string | undefined {
  if (UNSAFE_KEYWORDS.has(source)) {
    return `${source} defeats the policy (inline script, eval or event handlers would run); use the response's nonce or a file from the app's origin.`;
  }
  if (source.startsWith("'nonce-")) {
    return 'a nonce written in the options is the same on every response, which is no nonce; the page preset adds a fresh one per response.';
  }
  if (SCRIPT_DIRECTIVES.has(directive) && ANY_HOST_SOURCES.has(source)) {
    return `${source} in ${directive} lets script from any site run; list the origins.`;
  }
  return undefined;
}
