/**
 * `@rampart/oauth/fastify`: the Fastify routes plugin. Imports only types from `fastify`.
 */
import { parseOptions } from '@rampart/core';
import { sendProblem } from '@rampart/core/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OAuth, OAuthSignIn } from './oauth.js';
import { basePathSchema, oauthServiceSchema, onSignInSchema } from './routes-options.js';

/** Options of {@link fastifyOAuthRoutes}. */
export interface FastifyOAuthRoutesOptions {
  oauth: OAuth;
  /** Default `/auth/oauth`. */
  basePath?: string;
  /**
   * Answers a completed sign-in (a session and a redirect, or a token pair) and returns the
   * reply. The flow cookie is already cleared on `reply`.
   */
  onSignIn(
    signIn: OAuthSignIn,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> | FastifyReply;
}

const pluginSchema = z.strictObject({
  oauth: oauthServiceSchema,
  basePath: basePathSchema,
  onSignIn: onSignInSchema,
});

/**
 * Registers `GET <basePath>/:provider` (302 to the provider, the sealed flow cookie set) and
 * `GET <basePath>/:provider/callback` (the checks of `oauth.callback`, then `onSignIn`; a
 * refusal is the 400 `ERR_OAUTH_CALLBACK` problem, an unconfigured provider 404). Routes, so
 * not wrapped in fastify-plugin: register it with a `prefix` or `basePath`.
 *
 * @example
 * await app.register(fastifyOAuthRoutes, { oauth, basePath: '/api/v1/auth/oauth', onSignIn });
 */
export async function fastifyOAuthRoutes(
  fastify: FastifyInstance,
  options: FastifyOAuthRoutesOptions,
): Promise<void> {
  const { oauth, basePath } = parseOptions('fastifyOAuthRoutes', pluginSchema, options);
  const onSignIn = options.onSignIn;
  fastify.get(`${basePath}/:provider`, async function oauthStart(request, reply) {
    const { provider } = request.params as { provider: string };
    try {
      const { location, setCookie } = oauth.start(provider);
      return reply.header('set-cookie', setCookie).redirect(location, 302);
    } catch (error) {
      return sendProblem(reply, error);
    }
  });
  fastify.get(`${basePath}/:provider/callback`, async function oauthCallback(request, reply) {
    const { provider } = request.params as { provider: string };
    reply.header('set-cookie', oauth.clearCookie);
    let signIn: OAuthSignIn;
    try {
      signIn = await oauth.callback(provider, {
        query: request.query as Record<string, unknown>,
        cookieHeader: request.headers.cookie,
        ...(request.clientIp ? { ip: request.clientIp } : {}),
      });
    } catch (error) {
      return sendProblem(reply, error);
    }
    return onSignIn(signIn, request, reply);
  });
}
