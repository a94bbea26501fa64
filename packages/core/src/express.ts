/**
 * `@rampart/core/express`: the glue every Rampart Express adapter uses. Imports only types from
 * `express`; nothing here loads Express or body-parser.
 */
import type { AuthContext } from './auth/auth-context.js';

export {
  type AuthenticateMiddlewareOptions,
  authenticate,
  type RequireAuthOptions,
  requireAuth,
} from './auth/express.js';
export {
  notFoundHandler,
  type ProblemErrorHandlerOptions,
  problemErrorHandler,
} from './express/error-handler.js';
export { type IpFilterMiddlewareOptions, ipFilter } from './express/ip-filter.js';
export { type JsonBodyOptions, jsonBody } from './express/json-body.js';
export { type RampartCoreMiddlewareOptions, rampartCore } from './express/rampart-core.js';
export { toSecurityRequest } from './express/security-request.js';
export { sendProblem } from './express/send-problem.js';
export { type StrictRequestMiddlewareOptions, strictRequest } from './express/strict-request.js';

declare global {
  // Express's own request type is extended through this global namespace.
  namespace Express {
    interface Request {
      /** The exact bytes of the body, kept by `jsonBody()` (unless `rawBody: false`). */
      rawBody?: Buffer;
      /**
       * The client IP, resolved once by `rampartCore()` (socket peer, or the first untrusted
       * `X-Forwarded-For` hop behind a trusted proxy); what every adapter reports and limits by.
       */
      clientIp?: string;
      /**
       * Who made the request, set by `authenticate` (or a package's guard such as
       * `requireJwt`); `undefined` when no credential was presented on an optional route. The
       * only declaration of `auth` in Rampart: every authenticator sets this one type.
       */
      auth?: AuthContext;
    }
  }
}
