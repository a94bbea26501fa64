/**
 * Whether `value` is an origin exactly as a browser serialises it in the `Origin` header:
 * `scheme://host[:port]`, lower case, no default port, no path, no trailing slash. Only such a
 * string can ever equal a request's `Origin`, so configuration is held to it and compared by
 * string equality: no prefix, suffix or pattern matching (`https://app.example.com.evil.test`
 * is not `https://app.example.com`). The opaque origin `null` (sandboxed frames, `file:` pages,
 * some redirects) is never one: anyone can make a browser send it; nor is a pattern such as
 * `https://*.example.com`.
 */
export function isExactOrigin(value: string): boolean {
  // `*` is a legal host character to the URL parser, but here it is always a pattern misread.
  if (value === 'null' || value.includes('*') || !URL.canParse(value)) return false;
  return new URL(value).origin === value;
}

/** The canonical spelling of `value` for an error message, when `URL` can read one. */
export function suggestOrigin(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const origin = new URL(value).origin;
  return origin === 'null' ? undefined : origin;
}
