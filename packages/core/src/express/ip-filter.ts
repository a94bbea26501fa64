import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { forwardErrorsSchema, parseOptions } from '../config.js';
import { requestPath } from '../http/request-path.js';
import { socketPeerIp } from '../ip/client-ip.js';
import { IpFilter } from '../ip/ip-filter.js';
import { sendProblem } from './send-problem.js';

/** Options of the Express `ipFilter` middleware. */
export interface IpFilterMiddlewareOptions {
  /** Request paths (without the query, compared exactly) the filter lets through: `['/health']`. */
  exemptPaths?: readonly string[];
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const optionsSchema = z.strictObject({
  exemptPaths: z
    .array(z.string().startsWith('/', { error: "must start with '/'." }))
    .readonly()
    .default([]),
  forwardErrors: forwardErrorsSchema,
});

/**
 * Express middleware refusing clients the filter refuses: 403 `ERR_IP_BLOCKED`. Reads
 * `req.clientIp` from `rampartCore()` (mount that first), else the socket peer. A path exempted
 * is compared exactly as received, so `/health/` or `/HEALTH` is filtered like any other path.
 *
 * @example
 * app.use(rampartCore({ trustedProxies }));
 * app.use(ipFilter(createIpFilter({ rules: { block: ['203.0.113.0/24'] } }), { exemptPaths: ['/health'] }));
 */
export function ipFilter(
  filter: IpFilter,
  options: IpFilterMiddlewareOptions = {},
): RequestHandler {
  if (!(filter instanceof IpFilter)) {
    throw new TypeError('ipFilter: the first argument must be the result of createIpFilter.');
  }
  const { exemptPaths, forwardErrors } = parseOptions('ipFilter', optionsSchema, options);
  const exempt = new Set(exemptPaths);
  return function ipFilterMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (exempt.size > 0 && exempt.has(requestPath(req.originalUrl ?? req.url))) {
      next();
      return;
    }
    try {
      filter.assertAllowed(req.clientIp ?? socketPeerIp(req.socket.remoteAddress), {
        method: req.method,
      });
    } catch (error) {
      if (forwardErrors) next(error);
      else sendProblem(res, error);
      return;
    }
    next();
  };
}
