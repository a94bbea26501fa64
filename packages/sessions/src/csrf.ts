import { parseOptions, type SecurityRequest, singleHeader } from '@rampart/core';
import { z } from 'zod';
import { csrfError } from './errors.js';

/** Options of {@link createCsrfCheck}. */
export interface CsrfOptions {
  /**
   * Origins besides the request's own host allowed to send cookie-authenticated unsafe requests,
   * exactly as browsers send them: `https://app.example.com` (scheme, host, port when not the
   * default). The example app passes its `PUBLIC_URL` and `CORS_ORIGINS`.
   */
  trustedOrigins?: readonly string[];
  /**
   * What an unsafe request with neither `Origin` nor `Sec-Fetch-Site` gets. `'allow'` (the
   * default): it passes, as it comes from no browser (curl, a server) and CSRF is a browser
   * attack. `'refuse'`: 403 `ERR_CSRF`, for an app whose contract says cookie-authenticated
   * writes come from its own origin only (a client holding the cookie then sends `Origin`).
   */
  missingHeaders?: 'allow' | 'refuse';
}

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](?::\d{1,5})?$/;

const optionsSchema = z.strictObject({
  trustedOrigins: z
    .array(
      z.string().max(256).regex(ORIGIN, {
        error:
          "must be an origin such as 'https://app.example.com' (lower case, no path, no trailing slash).",
      }),
    )
    .readonly()
    .default([]),
  missingHeaders: z.enum(['allow', 'refuse']).default('allow'),
});

/** Methods that must not change state (RFC 9110 §9.2.1), so a forged one does no harm. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws 403 `ERR_CSRF` for a forged request; see {@link createCsrfCheck}. */
export type CsrfCheck = (request: SecurityRequest) => void;

/**
 * The Fetch Metadata check against cross-site request forgery (the approach Lucia recommends
 * and Go 1.25's `CrossOriginProtection` takes), for requests a cookie authenticates. No token:
 * every browser since 2023 says where a request comes from.
 *
 * An unsafe request (anything but GET, HEAD, OPTIONS) passes when its `Origin` is trusted, or
 * `Sec-Fetch-Site` is `same-origin` or `none` (typed by the user), or, without `Sec-Fetch-Site`,
 * its `Origin` names the request's own `Host`. Refused with 403 `ERR_CSRF`: any other
 * `Sec-Fetch-Site` (`cross-site`, `same-site`: a sibling subdomain is another application),
 * `Origin: null`, another origin, `Origin` or `Sec-Fetch-Site` sent twice. A request with neither
 * header passes by default: it does not come from a browser (curl, a server), which is not what
 * CSRF abuses; `missingHeaders: 'refuse'` refuses it too.
 *
 * Only for cookie-authenticated requests: `sessionAuthenticator` runs it. Bearer tokens and API
 * keys are never sent by a browser on its own, so they need none.
 *
 * @example
 * const csrf = createCsrfCheck({ trustedOrigins: ['https://app.example.com'] });
 * csrf(securityRequest); // throws 403 ERR_CSRF for a forged request
 */
export function createCsrfCheck(options: CsrfOptions = {}): CsrfCheck {
  const { trustedOrigins, missingHeaders } = parseOptions(
    'createCsrfCheck',
    optionsSchema,
    options,
  );
  const trusted: ReadonlySet<string> = new Set(trustedOrigins);
  return function checkCsrf(request: SecurityRequest): void {
    if (SAFE_METHODS.has(request.method)) return;
    let origin: string | undefined;
    let site: string | undefined;
    try {
      origin = singleHeader(request.headers, 'origin');
      site = singleHeader(request.headers, 'sec-fetch-site');
    } catch {
      throw csrfError();
    }
    if (origin !== undefined && trusted.has(origin)) return;
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') return;
      throw csrfError();
    }
    if (origin === undefined) {
      if (missingHeaders === 'allow') return;
      throw csrfError();
    }
    const host = singleHostOf(request);
    const match = /^https?:\/\/(.+)$/i.exec(origin);
    if (host !== undefined && match !== null && (match[1] as string).toLowerCase() === host) return;
    throw csrfError();
  };
}

function singleHostOf(request: SecurityRequest): string | undefined {
  const host = request.headers.host;
  return typeof host === 'string' && host !== '' ? host.toLowerCase() : undefined;
}
