import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { requestPath } from '../http/request-path.js';
import { socketPeerIp } from '../ip/client-ip.js';
import { IpFilter } from '../ip/ip-filter.js';
import { sendProblem } from './send-problem.js';

/** Options of the {@link fastifyIpFilter} plugin. */
export interface FastifyIpFilterOptions {
  /** The filter from `createIpFilter`. */
  filter: IpFilter;
  /** Request paths (without the query, compared exactly) the filter lets through: `['/health']`. */
  exemptPaths?: readonly string[];
}

const optionsSchema = z.strictObject({
  filter: z.instanceof(IpFilter, { error: 'must be the result of createIpFilter.' }),
  exemptPaths: z
    .array(z.string().startsWith('/', { error: "must start with '/'." }))
    .readonly()
    .default([]),
});

async function ipFilterPlugin(
  fastify: FastifyInstance,
  options: FastifyIpFilterOptions,
): Promise<void> {
  const { filter, exemptPaths } = parseOptions('fastifyIpFilter', optionsSchema, options);
  const exempt = new Set(exemptPaths);
  fastify.addHook(
    'onRequest',
    function ipFilterHook(
      request: FastifyRequest,
      reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ) {
      if (exempt.size > 0 && exempt.has(requestPath(request.url))) {
        done();
        return;
      }
      try {
        filter.assertAllowed(request.clientIp ?? socketPeerIp(request.socket.remoteAddress), {
          method: request.method,
          ...(request.routeOptions.url === undefined ? {} : { route: request.routeOptions.url }),
        });
      } catch (error) {
        sendProblem(reply, error);
        return;
      }
      done();
    },
  );
}

/**
 * Refuses, in an `onRequest` hook for the whole app (unknown routes too), clients the filter
 * refuses: 403 `ERR_IP_BLOCKED`. Reads `request.clientIp` from `rampartCore` (register that first).
 *
 * @example
 * await app.register(rampartCore, { trustedProxies });
 * await app.register(fastifyIpFilter, { filter, exemptPaths: ['/health'] });
 */
export const fastifyIpFilter = fp(ipFilterPlugin, {
  fastify: '5.x',
  name: '@rampart/core/ip-filter',
});
