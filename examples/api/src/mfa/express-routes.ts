import { toSecurityRequest } from '@rampart/core/express';
import type { Express, Request, RequestHandler, Response } from 'express';
import { anyCaller, publicRoute } from '../access/express.js';
import type { MfaActions, WithCookies } from './mfa-actions.js';

function send<Body>(res: Response, answer: WithCookies<Body>): void {
  if (answer.setCookies.length > 0) res.setHeader('Set-Cookie', [...answer.setCookies]);
  res.json(answer.body);
}

/**
 * The MFA routes of EXAMPLE-API.md on Express. `guard` is the app's one `authenticate([...])`
 * (every credential it accepts); the challenge route takes the login's `mfaToken` instead.
 */
export function registerMfaExpressRoutes(
  app: Express,
  actions: MfaActions,
  guard: RequestHandler,
): void {
  app.post('/api/v1/auth/mfa/setup', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await actions.setup(req.auth!));
  });
  app.post('/api/v1/auth/mfa/enable', guard, anyCaller, async (req: Request, res: Response) => {
    send(res, await actions.enable(req.auth!, req.body, toSecurityRequest(req)));
  });
  app.post('/api/v1/auth/mfa/disable', guard, anyCaller, async (req: Request, res: Response) => {
    send(res, await actions.disable(req.auth!, req.body, toSecurityRequest(req)));
  });
  app.post(
    '/api/v1/auth/mfa/recovery-codes',
    guard,
    anyCaller,
    async (req: Request, res: Response) => {
      res.json(await actions.regenerateRecoveryCodes(req.auth!, req.body));
    },
  );
  app.post('/api/v1/auth/mfa/challenge', publicRoute, async (req: Request, res: Response) => {
    res.json(await actions.challenge(req.body));
  });
}
