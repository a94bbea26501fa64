import { toSecurityRequest } from '@rampart/core/express';
import { oauthRoutes } from '@rampart/oauth/express';
import type { Express, Request, RequestHandler, Response } from 'express';
import { publicRoute } from '../access/express.js';
import { AFTER_SIGN_IN, type AppOAuth, OAUTH_BASE_PATH } from './app-oauth.js';
import type { OAuthSessionStart } from './oauth-sign-in.js';

/**
 * The "OAuth 2.0 sign-in" routes of EXAMPLE-API.md on Express: the providers' list, and
 * `@rampart/oauth`'s start and callback routes ending in a session. Without a configured
 * provider only the list exists; every provider path is the unknown route's 404.
 */
export function registerOAuthExpressRoutes(
  app: Express,
  oauth: AppOAuth,
  startSession: OAuthSessionStart,
): void {
  app.get(OAUTH_BASE_PATH, publicRoute, (_req: Request, res: Response) => {
    res.json({ providers: oauth.providers });
  });
  if (oauth.service === undefined) return;
  // The package's start and callback routes, each declared public (the provider's redirect).
  const declaredPublic = {
    get: (path: string, handler: RequestHandler) => app.get(path, publicRoute, handler),
  };
  oauthRoutes(declaredPublic, oauth.service, {
    basePath: OAUTH_BASE_PATH,
    async onSignIn(signIn, req, res) {
      // Appended: the flow cookie's clearing is already on the response.
      for (const cookie of await startSession(signIn, toSecurityRequest(req))) {
        res.append('Set-Cookie', cookie);
      }
      res.redirect(303, AFTER_SIGN_IN);
    },
  });
}
