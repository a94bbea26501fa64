/**
 * `@rampart/core/fastify`: the glue every Rampart Fastify adapter uses. Imports only types from
 * `fastify` (and `fastify-plugin`); nothing here loads Fastify.
 */
import type { AuthContext } from './auth/auth-context.js';

export {
  type AuthPreHandler,
  authenticate,
  decorateAuth,
  type RequireAuthPreHandlerOptions,
  requireAuth,
} from './auth/fastify.js';
export { problemFrameworkErrors } from './fastify/framework-errors.js';
export { type FastifyIpFilterOptions, fastifyIpFilter } from './fastify/ip-filter.js';
export { type RampartCoreOptions, rampartCore } from './fastify/plugin.js';
export { toSecurityRequest } from './fastify/security-request.js';
export { sendProblem } from './fastify/send-problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client IP, resolved by `rampartCore` from the socket peer and trusted proxies. */
    clientIp: string;
    /** The exact bytes of a JSON body, kept by `rampartCore`'s parser; `null` without one. */
    rawBody: Buffer | null;
    /**
     * Who made the request, set by `authenticate` (or a package's guard such as
     * `app.requireJwt`). `undefined`, not `null`, when no credential was presented on an optional
     * route, as `req.auth` on Express: one check for both frameworks. Declared (decorated) by
     * `rampartCore` and by `decorateAuth`; the only declaration of `auth` in Rampart.
     */
    auth: AuthContext | undefined;
  }
}
