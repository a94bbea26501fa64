/**
 * `@rampart/rate-limit/express`: the Express middleware (per route) and the rule table (one
 * middleware for many routes). Imports only types from `express`.
 */
import { type Principal, parseOptions, type SyncAnswer, syncTwinOf } from '@rampart/core';
import { sendProblem, toSecurityRequest } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { RateLimitDecision } from './decision.js';
import { writeRateLimitHeaders } from './headers.js';
import { limiterFor } from './limiter.js';
import { limiterOptionsSchema, type RateLimiterOptions, toLimiterConfig } from './options.js';
import { type FrameworkRequestReader, principalOfAuth, toLimitRequest } from './request.js';
import { routePatternSchema } from './route-pattern.js';

declare global {
  namespace Express {
    interface Request {
      /** The rate-limit decision for this request, set by `rateLimit()` / `rateLimitRules()`. */
      rateLimit?: RateLimitDecision;
    }
  }
}

/** Options of {@link rateLimit}: a limiter's options, plus how refusals go out. */
export interface ExpressRateLimitOptions extends RateLimiterOptions {
  /** Pass 429s and 503s to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
  /**
   * Who the request's principal is, for `key: 'principal'`; default the user of `req.auth`
   * (core's AuthContext, set by `authenticate`): `{ id: auth.userId, kind: 'user' }`.
   */
  principal?: (req: Request) => Principal | undefined;
}

type PrincipalOf = (req: Request) => Principal | undefined;

const expressOptionsShape = {
  forwardErrors: z.boolean().default(false),
  principal: z
    .custom<PrincipalOf>(
      (value) => typeof value === 'function',
      'must be a function (req) => Principal | undefined.',
    )
    .default(() => defaultPrincipal),
};

function defaultPrincipal(req: Request): Principal | undefined {
  return principalOfAuth(req.auth);
}

/** Builds the limiter of validated options and the middleware that runs it. */
function middlewareFor(
  options: z.output<ReturnType<typeof limiterOptionsSchema<typeof expressOptionsShape>>>,
  /** The rule's pattern in a rule table; else the route core finds (the matched one). */
  ruleRoute?: string,
): RequestHandler {
  const config = toLimiterConfig(options);
  const limiter = limiterFor(config);
  // The adapter's own limiter, frozen: its twin is found once.
  const checkNow = syncTwinOf(limiter, 'check');
  const { forwardErrors, principal } = options;
  const reader: FrameworkRequestReader<Request> = {
    socketAddress: (req) => req.socket.remoteAddress,
    principal,
    body: (req) => req.body,
  };

  function fail(res: Response, next: NextFunction, error: unknown): void {
    if (forwardErrors) next(error);
    else sendProblem(res, error);
  }

  function apply(req: Request, res: Response, next: NextFunction, decision: RateLimitDecision) {
    req.rateLimit = decision;
    writeRateLimitHeaders(decision, config.headers, res, setResponseHeader, getResponseHeader);
    if (decision.allowed) next();
    else fail(res, next, limiter.exceededError(decision));
  }

  return function rateLimitMiddleware(req: Request, res: Response, next: NextFunction): void {
    let decision: SyncAnswer<RateLimitDecision>;
    try {
      const request = toLimitRequest(req, toSecurityRequest(req), config, reader);
      // In a rule table the rule's pattern is the route, else the one Express matched.
      if (ruleRoute !== undefined) request.route = ruleRoute;
      decision = checkNow === undefined ? limiter.check(request) : checkNow.call(limiter, request);
    } catch (error) {
      fail(res, next, error);
      return;
    }
    if (decision instanceof Promise) {
      decision.then(
        (settled) => apply(req, res, next, settled),
        (error: unknown) => fail(res, next, error),
      );
    } else apply(req, res, next, decision);
  };
}

function setResponseHeader(res: Response, name: string, value: string): void {
  res.setHeader(name, value);
}

/** What an earlier limiter of the route wrote, merged with this one's (several limiters). */
function getResponseHeader(res: Response, name: string): unknown {
  return res.getHeader(name);
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
  const parsed = parseOptions('rateLimit', limiterOptionsSchema(expressOptionsShape), options);
  return middlewareFor(parsed);
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

const ruleShape = {
  method: z
    .string()
    .regex(/^(?:\*|[A-Z]{3,7})$/, "must be an upper-case HTTP method or '*'.")
    .default('*'),
  route: routePatternSchema,
};

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
  const { rules } = parseOptions(
    'rateLimitRules',
    z.object({
      rules: z
        .array(z.object({}).loose(), {
          error: 'must be a non-empty array of { method?, route, policies }.',
        })
        .min(1, 'must be a non-empty array of { method?, route, policies }.'),
    }),
    options,
  );
  const { rules: _rules, ...shared } = options;
  const compiled = rules.map((rule, index) => {
    const parsed = parseOptions(
      `rateLimitRules.rules[${index}]`,
      limiterOptionsSchema({ ...expressOptionsShape, ...ruleShape }),
      { ...shared, ...rule },
    );
    const { method, route } = parsed;
    // Counted per rule: every path the rule matches shares its buckets.
    const handler = middlewareFor({ ...parsed, scope: `${method} ${route.text}` }, route.text);
    return { method, pattern: route.pattern, handler };
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
