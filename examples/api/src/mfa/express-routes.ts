import type { Express, Request, RequestHandler, Response } from 'express';
import type { MfaActions } from './mfa-actions.js';

/**
 * The MFA routes of EXAMPLE-API.md on Express. `guard` is the app's one `authenticate([...])`
 * (every credential it accepts); the challenge route takes the login's `mfaToken` instead.
 */
export function registerMfaExpressRoutes(
  app: Express,
  actions: MfaActions,
  guard: RequestHandler,
): void {
  app.post('/api/v1/auth/mfa/setup', guard, async (req: Request, res: Response) => {
    res.json(await actions.setup(req.auth!));
  });
  app.post('/api/v1/auth/mfa/enable', guard, async (req: Request, res: Response) => {
    res.json(await actions.enable(req.auth!, req.body));
  });
  app.post('/api/v1/auth/mfa/disable', guard, async (req: Request, res: Response) => {
    res.json(await actions.disable(req.auth!, req.body));
  });
  app.post('/api/v1/auth/mfa/recovery-codes', guard, async (req: Request, res: Response) => {
    res.json(await actions.regenerateRecoveryCodes(req.auth!, req.body));
  });
  app.post('/api/v1/auth/mfa/challenge', async (req: Request, res: Response) => {
    res.json(await actions.challenge(req.body));
  });
}
