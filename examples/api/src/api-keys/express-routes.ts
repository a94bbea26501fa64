import { rateLimit } from '@rampart/rate-limit/express';
import type { Express, Request, RequestHandler, Response } from 'express';
import { anyCaller, publicRoute } from '../access/express.js';
import type { AppContext } from '../context.js';
import { REPORT_COMPROMISED_POLICIES, REPORT_COMPROMISED_SCOPE } from './report-limit.js';

/**
 * The "API keys" routes of EXAMPLE-API.md on Express, as `registerApiKeyFastifyRoutes`. `guard`
 * is the app's one `authenticate([...])`; `beforeCreate` goes between it and the create handler
 * (the Idempotency-Key check).
 */
export function registerApiKeyExpressRoutes(
  app: Express,
  ctx: AppContext,
  guard: RequestHandler,
  beforeCreate: readonly RequestHandler[] = [],
): void {
  const { actions } = ctx.services.apiKeyServices;
  const { userOf } = ctx.services.auth;
  const reportLimit = rateLimit({
    store: ctx.stores.rateLimits,
    clientIp: ctx.clientIp,
    headers: { legacy: true },
    scope: REPORT_COMPROMISED_SCOPE,
    key: 'ip',
    policies: REPORT_COMPROMISED_POLICIES,
  });
  app.post(
    '/api/v1/api-keys',
    guard,
    anyCaller,
    ...beforeCreate,
    async (req: Request, res: Response) => {
      res.status(201).json(await actions.create(req.auth!, await userOf(req.auth!), req.body));
    },
  );
  app.get('/api/v1/api-keys', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await actions.list(req.auth!));
  });
  app.post(
    '/api/v1/api-keys/report-compromised',
    publicRoute,
    reportLimit,
    async (req: Request, res: Response) => {
      await actions.reportCompromised(req.body);
      res.status(202).json({ status: 'received' });
    },
  );
  app.post('/api/v1/api-keys/:id/rotate', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await actions.rotate(req.auth!, req.params.id, req.body));
  });
  app.delete('/api/v1/api-keys/:id', guard, anyCaller, async (req: Request, res: Response) => {
    await actions.revoke(req.auth!, req.params.id);
    res.status(204).end();
  });
}
