/**
 * `@rampart/rate-limit/express`: the Express middleware (per route) and the rule table (one
 * middleware for many routes). Imports only types from `express`.
 */
import type { Principal } from '@rampart/core';
import { RampartConfigError } from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RateLimitDecision } from './decision.js';
import { exposeDecision } from './express-decision.js';
import { writeRateLimitHeaders } from './headers.js';
import { createRateLimiter, evaluateRequest, type RateLimiter } from './limiter.js';
import type { RateLimiterOptions } from './options.js';
import type { RateLimitRequest } from './request.js';
import { compileRoutePattern } from './route-pattern.js';
import { requestIp } from './socket-ip.js';

declare global {
  namespace Express {
    interface Request {
      /** The rate-limit decision for this request, set by `rateLimit()` / `rateLimitRules()`. */
      rateLimit?: RateLimitDecision;
    }
  }
}

/** Options of {@link rateLimit}: a limiter's options (or a limiter), plus how refusals go out. */
export interface ExpressRateLimitOptions extends RateLimiterOptions {
  /** Pass 429s and 503s to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
  /** Where the authenticated principal is; default `req.principal`. */
  principal?: (req: Request) => Principal | undefined;
}

function defaultPrincipal(req: Request): Principal | undefined {
  return (req as Request & { principal?: Principal }).principal;
}

/** `req.baseUrl` + `req.route.path`: the matched pattern, known inside a route's own chain. */
function matchedRoute(req: Request): string | undefined {
  const path: unknown = req.route?.path;
  if (typeof path !== 'string') return undefined;
  const base = req.baseUrl;
  if (typeof base !== 'string' || base === '') return path;
  return path === '/' ? base : base + path;
}

/**
 * The request a limiter sees, read from `req` only as far as the limiter asks. Express swaps the
 * prototype of every request, which gives each `req` a hidden class of its own: every property read
 * on it misses V8's inline caches and costs a lookup in the runtime, and a property the request
 * lacks (`principal`, `body` without a parser) walks the whole prototype chain. An IP-keyed limit
 * never reads the principal or the body, so they are read on first use.
 */
class ExpressLimitRequest implements RateLimitRequest {
  readonly method: string;
  readonly #req: Request;
  readonly #principalOf: (req: Request) => Principal | undefined;

  constructor(
    req: Request,
    principalOf: (req: Request) => Principal | undefined,
    readonly ip: string,
    readonly route: string | undefined,
  ) {
    this.method = req.method;
    this.#req = req;
    this.#principalOf = principalOf;
  }

  get url(): string {
    return this.#req.originalUrl;
  }

  get headers(): Request['headers'] {
    return this.#req.headers;
  }

  get principal(): Principal | undefined {
    return this.#principalOf(this.#req);
  }

  get body(): unknown {
    return this.#req.body;
  }
}

function setResponseHeader(res: Response, name: string, value: string): void {
  res.setHeader(name, value);
}

function buildHandler(
  limiter: RateLimiter,
  forwardErrors: boolean,
  principalOf: (req: Request) => Principal | undefined,
  routeOf: (req: Request) => string | undefined,
): RequestHandler {
  const { clientIp, headers: headerOptions } = limiter.options;
  const evaluate = limiter[evaluateRequest];
  function fail(res: Response, next: NextFunction, error: unknown): void {
    if (forwardErrors) next(error);
    else sendProblem(res, error);
  }
  // No closure per request on the synchronous (memory) path: the middleware runs on every request.
  function apply(req: Request, res: Response, next: NextFunction, decision: RateLimitDecision) {
    exposeDecision(req, decision);
    writeRateLimitHeaders(decision, headerOptions, res, setResponseHeader);
    if (decision.allowed) next();
    else fail(res, next, limiter.exceededError(decision));
  }
  // Without a trusted proxy `X-Forwarded-For` changes no answer: the headers are not read.
  const readsForwardedFor = clientIp.trustsProxies !== false;
  return function rateLimitMiddleware(req: Request, res: Response, next: NextFunction): void {
    const forwardedFor = readsForwardedFor ? req.headers['x-forwarded-for'] : undefined;
    const request = new ExpressLimitRequest(
      req,
      principalOf,
      requestIp(clientIp, req.socket, forwardedFor),
      routeOf(req),
    );
    let result: RateLimitDecision | Promise<RateLimitDecision>;
    try {
      result = evaluate(request);
    } catch (error) {
      fail(res, next, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (decision) => apply(req, res, next, decision),
        (error: unknown) => fail(res, next, error),
      );
    } else apply(req, res, next, result);
  };
}

/**
 * Middleware for one route: put it in the route's chain so the limit keys on the matched
 * pattern (`app.post('/login', rateLimit({...}), handler)`). Mounted with `app.use()`, Express
 * has matched no route yet: every route then shares one bucket per client (a global limit).
 *
 * @example
 * app.post('/api/v1/auth/login', express.json(), rateLimit({
 *   policies: { login: { algorithm: 'fixed-window', limit: 5, windowMs: 900_000 } },
 *   key: ['ip', (req) => String((req.body as { email?: unknown })?.email ?? '').toLowerCase()],
 * }), loginHandler);
 */
export function rateLimit(options: ExpressRateLimitOptions): RequestHandler {
  const {
    forwardErrors = false,
    principal = defaultPrincipal,
    ...limiterOptions
  } = options ?? ({} as ExpressRateLimitOptions);
  if (typeof principal !== 'function')
    throw new RampartConfigError(
      'rateLimit.principal',
      'must be a function (req) => Principal | undefined.',
    );
  const limiter = createRateLimiter(limiterOptions, 'rateLimit');
  return buildHandler(limiter, forwardErrors, principal, matchedRoute);
}

/** One row of a rule table. */
export interface RateLimitRule extends Partial<RateLimiterOptions> {
  /** `GET`, `POST` … or `'*'` for any. Default `'*'`. */
  method?: string;
  /** An Express-style pattern: `/api/v1/entities/:entityId/records`, `/api/v1/entities/*rest`. */
  route: string;
}

/** Options of {@link rateLimitRules}: the rules, and options every rule inherits. */
export interface RateLimitRulesOptions extends Omit<ExpressRateLimitOptions, 'policies'> {
  rules: readonly RateLimitRule[];
  policies?: RateLimiterOptions['policies'];
}

/**
 * One middleware for many routes, mounted with `app.use()` before the routes: the first rule
 * whose method and pattern match the request's path applies, keyed on the RULE's pattern and
 * method (`POST /api/v1/auth/login`), never the raw path. Patterns match as Express routes do
 * by default: case-insensitively, with or without a trailing slash.
 *
 * @example
 * app.use(rateLimitRules({ store, rules: [
 *   { method: 'POST', route: '/api/v1/auth/login', policies: { login: { limit: 5, windowMs: 900_000 } } },
 *   { route: '/api/v1/entities/*rest', key: 'principal', policies: { minute: { limit: 100, windowMs: 60_000 } } },
 * ] }));
 */
export function rateLimitRules(options: RateLimitRulesOptions): RequestHandler {
  const {
    rules,
    forwardErrors = false,
    principal = defaultPrincipal,
    ...shared
  } = options ?? ({} as RateLimitRulesOptions);
  if (!Array.isArray(rules) || rules.length === 0)
    throw new RampartConfigError(
      'rateLimitRules.rules',
      'must be a non-empty array of { method?, route, policies }.',
    );
  const compiled = rules.map((rule, index) => {
    const owner = `rateLimitRules.rules[${index}]`;
    const { method = '*', route, ...ruleOptions } = rule;
    if (typeof method !== 'string' || !/^(?:\*|[A-Z]{3,7})$/.test(method))
      throw new RampartConfigError(`${owner}.method`, "must be an upper-case HTTP method or '*'.");
    const pattern = compileRoutePattern(`${owner}.route`, route);
    const limiter = createRateLimiter(
      { ...shared, ...ruleOptions, scope: `${method} ${route}` } as RateLimiterOptions,
      owner,
    );
    const handler = buildHandler(limiter, forwardErrors, principal, () => route);
    return { method, pattern, handler };
  });
  return function rateLimitRulesMiddleware(req: Request, res: Response, next: NextFunction): void {
    const url = req.originalUrl;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    for (const rule of compiled) {
      if ((rule.method === '*' || rule.method === req.method) && rule.pattern.test(path)) {
        rule.handler(req, res, next);
        return;
      }
    }
    next();
  };
}
