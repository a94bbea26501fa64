import { toSecurityRequest } from '@rampart/core/fastify';
import { fastifyOAuthRoutes } from '@rampart/oauth/fastify';
import type { FastifyInstance } from 'fastify';
import { AFTER_SIGN_IN, type AppOAuth, OAUTH_BASE_PATH } from './app-oauth.js';
import type { OAuthSessionStart } from './oauth-sign-in.js';

/**
 * The "OAuth 2.0 sign-in" routes of EXAMPLE-API.md on Fastify, as on Express: the providers'
 * list, and `@rampart/oauth`'s start and callback routes ending in a session.
 */
export function registerOAuthFastifyRoutes(
  scope: FastifyInstance,
  oauth: AppOAuth,
  startSession: OAuthSessionStart,
): void {
  scope.get(OAUTH_BASE_PATH, { config: { access: 'public' } }, () => ({
    providers: oauth.providers,
  }));
  if (oauth.service === undefined) return;
  scope.register(fastifyOAuthRoutes, {
    oauth: oauth.service,
    basePath: OAUTH_BASE_PATH,
    async onSignIn(signIn, request, reply) {
      // Fastify adds each set-cookie to the flow cookie's clearing rather than replacing it.
      for (const cookie of await startSession(signIn, toSecurityRequest(request))) {
        reply.header('set-cookie', cookie);
      }
      return reply.redirect(AFTER_SIGN_IN, 303);
    },
  });
}
