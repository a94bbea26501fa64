import { parseOptions } from '@rampart/core';
import { type CorsOptions, corsOptionsSchema } from './cors-options.js';
import { isExactOrigin } from './origin.js';

/** One response header: name and value. */
export type HeaderField = readonly [name: string, value: string];

/**
 * What the CORS layer does with one request. `preflight: true`: answer it now, 204 with
 * `headers`, and run nothing else (a preflight carries no credentials and must not reach a
 * route). `preflight: false`: add `headers` and let the request go on. `varyOrigin`: append
 * `Origin` to `Vary`, because the answer depends on it (every answer of a policy with a list
 * of origins, including those without CORS headers, so a cache never serves one origin's answer
 * to another).
 */
export interface CorsDecision {
  readonly preflight: boolean;
  readonly headers: readonly HeaderField[];
  readonly varyOrigin: boolean;
}

/** A CORS policy built once by {@link createCors}; adapters ask it about every request. */
export interface CorsPolicy {
  /**
   * The decision for a request: its method, its `Origin` header and its
   * `Access-Control-Request-Method` header (either `undefined` when absent). Never throws for
   * any header value; an origin that is not allowed gets no CORS headers.
   */
  decide(
    method: string,
    origin: string | undefined,
    requestMethod: string | undefined,
  ): CorsDecision;
  /**
   * Whether every decision appends `Origin` to `Vary` (a policy with listed origins): adapters
   * then keep it there when a handler replaces the `Vary` field.
   */
  readonly variesOnOrigin: boolean;
}

const NO_FIELDS: readonly HeaderField[] = Object.freeze([]);

function decision(preflight: boolean, headers: readonly HeaderField[], varyOrigin: boolean) {
  return Object.freeze({ preflight, headers: Object.freeze(headers), varyOrigin });
}

/** The answers for one allowed origin (or `*`), built once and reused for every request. */
interface AllowedAnswers {
  readonly actual: CorsDecision;
  readonly preflight: CorsDecision;
}

/**
 * Builds a CORS policy with exact origin matching: a request's `Origin` gets CORS headers only
 * when it equals, byte for byte, one of the allowed origins; anything else (another origin,
 * `null`, a look-alike, two origins joined) gets none, and the request goes on as a same-origin
 * one would: the browser then keeps the answer from the script. Nothing here throws for a
 * request, so a foreign origin is never a 500 (the seed's `cors` callback threw and Express
 * answered 500). Misconfiguration throws at start-up: an origin that is not exact, `'*'` with
 * `credentials`, a header name that is not a token.
 *
 * The answers are built at start-up for each allowed origin, so a request costs one map lookup.
 * With `origins` as a function, the map is rebuilt whenever it returns a different array; entries
 * that are not exact origins (a `'*'` or `'null'` among them) are skipped, never widened.
 *
 * @example
 * const cors = createCors({ origins: ['https://app.example.com'], credentials: true });
 * cors.decide('OPTIONS', 'https://app.example.com', 'PUT'); // { preflight: true, headers: [...] }
 */
export function createCors(options: CorsOptions, owner = 'createCors'): CorsPolicy {
  const parsed = parseOptions(owner, corsOptionsSchema, options);
  const shared = {
    exposed: parsed.exposedHeaders.join(', '),
    methods: parsed.methods.join(', '),
    allowed: parsed.allowedHeaders.join(', '),
    maxAge: String(parsed.maxAgeSeconds),
  };
  const varyOrigin = parsed.origins !== '*';

  function answersFor(origin: string): AllowedAnswers {
    const common: HeaderField[] = [['Access-Control-Allow-Origin', origin]];
    if (parsed.credentials) common.push(['Access-Control-Allow-Credentials', 'true']);
    const actual = [...common];
    if (shared.exposed !== '') actual.push(['Access-Control-Expose-Headers', shared.exposed]);
    const preflight: HeaderField[] = [
      ...common,
      ['Access-Control-Allow-Methods', shared.methods],
      ['Access-Control-Max-Age', shared.maxAge],
    ];
    if (shared.allowed !== '') preflight.push(['Access-Control-Allow-Headers', shared.allowed]);
    return {
      actual: decision(false, actual, varyOrigin),
      preflight: decision(true, preflight, varyOrigin),
    };
  }

  const refused = {
    actual: decision(false, NO_FIELDS, varyOrigin),
    preflight: decision(true, NO_FIELDS, varyOrigin),
  };

  function answersMap(origins: readonly string[]): Map<string, AllowedAnswers> {
    const map = new Map<string, AllowedAnswers>();
    for (const origin of origins) {
      if (typeof origin === 'string' && isExactOrigin(origin)) map.set(origin, answersFor(origin));
    }
    return map;
  }

  let lookup: (origin: string) => AllowedAnswers | undefined;
  const origins = parsed.origins;
  if (origins === '*') {
    const any = answersFor('*');
    lookup = () => any;
  } else if (typeof origins === 'function') {
    let lastList: readonly string[] | undefined;
    let lastMap = new Map<string, AllowedAnswers>();
    lookup = (origin) => {
      const list = origins();
      if (list !== lastList) {
        lastMap = answersMap(Array.isArray(list) ? list : []);
        lastList = list;
      }
      return lastMap.get(origin);
    };
  } else {
    const map = answersMap(origins);
    lookup = (origin) => map.get(origin);
  }

  return Object.freeze({
    variesOnOrigin: varyOrigin,
    decide(method: string, origin: string | undefined, requestMethod: string | undefined) {
      // A preflight (Fetch §4.8): OPTIONS with an Origin and Access-Control-Request-Method.
      const preflight = method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
      const answers = origin === undefined ? undefined : lookup(origin);
      const chosen = answers ?? refused;
      return preflight ? chosen.preflight : chosen.actual;
    },
  });
}
