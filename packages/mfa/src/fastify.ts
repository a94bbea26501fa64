/**
 * `@rampart/mfa/fastify`: the step-up guard for Fastify. Imports only types from `fastify`;
 * `request.auth` is core's `AuthContext`, declared by `@rampart/core/fastify`.
 */
import { type Clock, parseOptions, systemClock } from '@rampart/core';
import { sendProblem } from '@rampart/core/fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkRecentMfa, stepUpOptionsShape } from './step-up.js';

/** Options of {@link requireRecentMfa}. */
export interface RequireRecentMfaOptions {
  /** Where "now" comes from; default the system clock. */
  clock?: Clock;
}

/** A route-level `preHandler`: `{ preHandler: [authenticate([...]), requireRecentMfa(300)] }`. */
export type RecentMfaPreHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown>;

const optionsSchema = z.strictObject(stepUpOptionsShape);

/**
 * A `preHandler` for sensitive routes (step-up): lets a request through only when an earlier
 * `authenticate` set `request.auth` and its `mfaAt` is at most `maxAgeSeconds` old. Otherwise 401
 * `ERR_MFA_STEP_UP_REQUIRED` (with an RFC 9470 `WWW-Authenticate` challenge naming `max_age`),
 * or 401 `ERR_AUTH_REQUIRED` without `request.auth`.
 *
 * @example
 * app.delete('/api/v1/account',
 *   { preHandler: [authenticate([jwtAuthenticator(tokens)]), requireRecentMfa(300)] }, handler);
 */
export function requireRecentMfa(
  maxAgeSeconds: number,
  options: RequireRecentMfaOptions = {},
): RecentMfaPreHandler {
  const parsed = parseOptions('requireRecentMfa', optionsSchema, { ...options, maxAgeSeconds });
  const clock = parsed.clock ?? systemClock;
  return async function requireRecentMfaPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    try {
      checkRecentMfa(request.auth, parsed.maxAgeSeconds, clock);
    } catch (error) {
      return sendProblem(reply, error);
    }
    return undefined;
  };
}
