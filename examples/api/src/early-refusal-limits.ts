import { createRateLimiter, type GetHeader, type RateLimiter } from '@rampart/rate-limit';
import { REPORT_COMPROMISED_POLICIES, REPORT_COMPROMISED_SCOPE } from './api-keys/report-limit.js';
import type { AppContext } from './context.js';
import { LOGIN_IP_POLICIES, LOGIN_SCOPE, REGISTER_SCOPE, registerPolicies } from './rate-limits.js';

/** A body refused before a route's limits ran: it does not parse (400), is too big (413) or is no JSON (415). */
const BODY_REFUSALS: ReadonlySet<number> = new Set([400, 413, 415]);

/** What the early answer needs of a request, whichever framework holds it. */
export interface EarlyRequest {
  readonly method: string;
  /** The route's pattern (Fastify's `routeOptions.url`), or the path (Express: no route matched yet). */
  readonly route: string | undefined;
  readonly socketAddress: string | undefined;
  readonly forwardedFor: string | readonly string[] | undefined;
}

/**
 * Writes the rate-limit headers of a body refusal (400/413/415) on a rate-limited route, which
 * the route's limiters never saw: they run after the body is parsed. EXAMPLE-API.md promises the
 * headers on every response of such a route, so each limiter keyed by the client IP alone
 * (register, the login's per-IP one, the compromised-key report) is PEEKED (cost 0: what the
 * client has left now; the refused request is not counted), on the same store, scope and key as
 * the route's own. A limiter keyed on the body (the login's per (IP, email)) or on the caller
 * (authenticated routes) cannot answer for a body that was never read: it sends nothing.
 */
export function createEarlyRefusalLimits(ctx: AppContext) {
  const common = {
    store: ctx.stores.rateLimits,
    clientIp: ctx.clientIp,
    headers: { legacy: true },
  };
  const login = createRateLimiter({
    ...common,
    scope: LOGIN_SCOPE,
    key: 'ip',
    policies: LOGIN_IP_POLICIES,
  });
  // Each with the scope and policies its route's limiter has (fixed scopes, shared constants).
  const byRoute = new Map<string, RateLimiter>([
    ['POST /api/v1/auth/login', login],
    ['POST /api/v1/sessions', login],
    [
      'POST /api/v1/auth/register',
      createRateLimiter({
        ...common,
        scope: REGISTER_SCOPE,
        key: 'ip',
        policies: registerPolicies(ctx.config.registerLimitPerHour),
      }),
    ],
    [
      'POST /api/v1/api-keys/report-compromised',
      createRateLimiter({
        ...common,
        scope: REPORT_COMPROMISED_SCOPE,
        key: 'ip',
        policies: REPORT_COMPROMISED_POLICIES,
      }),
    ],
  ]);

  /** Peeks the route's per-IP limiter and writes its headers; a store error writes none. */
  return async function writeEarlyRefusalLimits<T>(
    status: number,
    request: EarlyRequest,
    target: T,
    set: (target: T, name: string, value: string) => unknown,
    get: GetHeader<T>,
  ): Promise<void> {
    if (!BODY_REFUSALS.has(status) || request.route === undefined) return;
    const limiter = byRoute.get(`${request.method} ${request.route}`);
    if (limiter === undefined) return;
    const ip = ctx.clientIp.resolve(request.socketAddress, request.forwardedFor);
    const key = limiter.keyFor({
      method: request.method,
      url: request.route,
      route: request.route,
      headers: {},
      ip,
    });
    if (key === undefined) return;
    try {
      const decision = await limiter.peek(key, 0);
      limiter.writeHeaders(
        decision,
        (name, value) => set(target, name, value),
        (name) => get(target, name),
      );
    } catch {
      // The store is down: the refusal goes out as it is, without headers it cannot know.
    }
  };
}
