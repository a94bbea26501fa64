/**
 * `@rampart/oauth/express`: the Express routes. Imports only types from `express`.
 */
import { parseOptions } from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { OAuth, OAuthSignIn } from './oauth.js';
import { basePathSchema, oauthServiceSchema, onSignInSchema } from './routes-options.js';

/** What `oauthRoutes` registers its two GET routes on: an Express app or router. */
export interface RouteTarget {
  get(path: string, handler: (req: Request, res: Response, next: NextFunction) => void): unknown;
}

/** Options of {@link oauthRoutes}. */
export interface OAuthRoutesOptions {
  /** Default `/auth/oauth`. */
  basePath?: string;
  /**
   * Answers a completed sign-in: create a session and redirect (`@rampart/sessions`), or issue a
   * token pair (`@rampart/jwt-nonce`). The flow cookie's clearing is already on `res`: add your
   * cookies with `res.append('Set-Cookie', …)`, not `res.setHeader`, which would replace it.
   */
  onSignIn(signIn: OAuthSignIn, req: Request, res: Response): Promise<void> | void;
}

const routesSchema = z.strictObject({
  oauth: oauthServiceSchema,
  basePath: basePathSchema,
  onSignIn: onSignInSchema,
});

function providerParam(req: Request): string {
  const value = req.params.provider;
  return typeof value === 'string' ? value : '';
}

/**
 * Registers `GET <basePath>/:provider` (302 to the provider, the sealed flow cookie set) and
 * `GET <basePath>/:provider/callback` (the checks of `oauth.callback`, then `onSignIn`; a
 * refusal is the 400 `ERR_OAUTH_CALLBACK` problem, an unconfigured provider 404).
 *
 * @example
 * oauthRoutes(app, oauth, { basePath: '/api/v1/auth/oauth', onSignIn: async (signIn, req, res) => {
 *   await sessions.start(res, signIn.userId);
 *   res.redirect(303, '/dashboard');
 * } });
 */
export function oauthRoutes(target: RouteTarget, oauth: OAuth, options: OAuthRoutesOptions): void {
  const parsed = parseOptions('oauthRoutes', routesSchema, { oauth, ...options });
  const onSignIn = options.onSignIn;
  target.get(`${parsed.basePath}/:provider`, function oauthStart(req, res) {
    try {
      const { location, setCookie } = oauth.start(providerParam(req));
      res.setHeader('Set-Cookie', setCookie);
      res.redirect(302, location);
    } catch (error) {
      sendProblem(res, error);
    }
  });
  target.get(`${parsed.basePath}/:provider/callback`, function oauthCallback(req, res, next) {
    res.setHeader('Set-Cookie', oauth.clearCookie);
    oauth
      .callback(providerParam(req), {
        query: req.query as Record<string, unknown>,
        cookieHeader: req.headers.cookie,
        ...(req.clientIp === undefined ? {} : { ip: req.clientIp }),
      })
      .then(
        async (signIn) => {
          await onSignIn(signIn, req, res);
        },
        (error: unknown) => sendProblem(res, error),
      )
      .catch(next);
  });
}
