import { randomUUID } from 'node:crypto';
import type { RequestFacts } from './app-audit.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The facts of a request that events carry into the trail: the client IP (as `rampartCore`
 * resolved it), the user agent (capped by the trail) and a request id (the client's
 * `X-Request-Id` when well-formed, else a fresh one).
 */
export function requestFacts(
  ip: string | undefined,
  userAgent: string | string[] | undefined,
  requestId: string | string[] | undefined,
): RequestFacts {
  const facts: RequestFacts = {
    requestId:
      typeof requestId === 'string' && REQUEST_ID.test(requestId) ? requestId : randomUUID(),
  };
  if (ip !== undefined) facts.ip = ip;
  if (typeof userAgent === 'string') facts.userAgent = userAgent;
  return facts;
}
