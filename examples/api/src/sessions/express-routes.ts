import { toSecurityRequest } from '@rampart/core/express';
import type { Express, Request, RequestHandler, Response } from 'express';
import { type AppExpressGuards, anyCaller, publicRoute } from '../access/express.js';
import type { SessionActions } from './session-actions.js';

/** What the sessions routes need from the app. */
export interface SessionExpressRoutesOptions {
  readonly actions: SessionActions;
  /** The app's one authenticate guard (bearer, API key, session cookie). */
  readonly guard: RequestHandler;
  /** The login limits, shared with `POST /api/v1/auth/login` (one scope). */
  readonly loginLimits: readonly RequestHandler[];
  /** The app's permission guards, for the admin routes. */
  readonly guards: AppExpressGuards;
}

/** The "Sessions" routes of EXAMPLE-API.md on Express, in the order of the Fastify ones. */
export function registerSessionExpressRoutes(
  app: Express,
  options: SessionExpressRoutesOptions,
): void {
  const { actions, guard, loginLimits, guards } = options;
  app.post('/api/v1/sessions', publicRoute, ...loginLimits, async (req: Request, res: Response) => {
    const { body, setCookies } = await actions.login(req.body, toSecurityRequest(req));
    res.setHeader('Set-Cookie', setCookies).status(201).json(body);
  });
  app.get('/api/v1/sessions', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await actions.list(req.auth!));
  });
  // Before `/:id`, which would match `current` too.
  app.delete('/api/v1/sessions/current', guard, anyCaller, async (req: Request, res: Response) => {
    res
      .setHeader('Set-Cookie', await actions.endCurrent(req.auth!))
      .status(204)
      .end();
  });
  app.delete('/api/v1/sessions/:id', guard, anyCaller, async (req: Request, res: Response) => {
    await actions.revoke(req.auth!, req.params.id);
    res.status(204).end();
  });
  app.delete('/api/v1/sessions', guard, anyCaller, async (req: Request, res: Response) => {
    await actions.revokeOthers(req.auth!);
    res.status(204).end();
  });

  // EXAMPLE-API.md, "Admin": any user's sessions, by their public ids (never a token).
  app.get(
    '/api/v1/admin/sessions',
    guard,
    guards.requirePermissions('users:read'),
    async (req: Request, res: Response) => {
      res.json(await actions.adminList(req.query.userId));
    },
  );
  app.delete(
    '/api/v1/admin/users/:id/sessions',
    guard,
    guards.requirePermissions('users:write'),
    async (req: Request, res: Response) => {
      await actions.adminRevokeAll(req.auth!, req.params.id);
      res.status(204).end();
    },
  );
}
