/**
 * `@rampart/core/fastify`: the glue every Rampart Fastify adapter uses. Imports only types from
 * `fastify` (and `fastify-plugin`); nothing here loads Fastify.
 */
export { problemFrameworkErrors } from './fastify/framework-errors.js';
export { type RampartCoreOptions, rampartCore } from './fastify/plugin.js';
export { toSecurityRequest } from './fastify/security-request.js';
export { sendProblem } from './fastify/send-problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client IP, resolved by `rampartCore` from the socket peer and trusted proxies. */
    clientIp: string;
    /** The exact bytes of a JSON body, kept by `rampartCore`'s parser; `null` without one. */
    rawBody: Buffer | null;
  }
}
