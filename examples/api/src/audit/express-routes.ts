import type { AuthContext } from '@rampart/core';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { type AppExpressGuards, anyCaller, profileReader } from '../access/express.js';
import type { AppAudit } from './app-audit.js';
import type { AuditHandlers } from './audit-handlers.js';
import { requestFacts } from './request-facts.js';

/** Every event a request emits carries its IP, user agent and request id (mount before the routes). */
export function auditRequestFacts(audit: AppAudit): RequestHandler {
  return function auditFacts(req: Request, _res: Response, next: NextFunction) {
    const facts = requestFacts(
      req.clientIp,
      req.headers['user-agent'],
      req.headers['x-request-id'],
    );
    audit.withRequest(facts, next);
  };
}

/**
 * The Admin audit routes and the Privacy routes of EXAMPLE-API.md on Express, behind the app's
 * `authenticate` guard and each route's declared permission (the handlers check it again).
 */
export function registerAuditExpressRoutes(
  app: Express,
  handlers: AuditHandlers,
  guard: RequestHandler,
  guards: AppExpressGuards,
): void {
  const auditRead = guards.requirePermissions('audit:read');
  const usersWrite = guards.requirePermissions('users:write');
  const caller = (req: Request): AuthContext => req.auth as AuthContext;
  const query = (req: Request) => req.query as Record<string, unknown>;

  app.get('/api/v1/admin/audit', guard, auditRead, async (req: Request, res: Response) => {
    res.json(await handlers.query(caller(req), query(req)));
  });
  app.get('/api/v1/admin/audit/verify', guard, auditRead, async (req: Request, res: Response) => {
    res.json(await handlers.verify(caller(req)));
  });
  app.get(
    '/api/v1/admin/security/metrics',
    guard,
    auditRead,
    async (req: Request, res: Response) => {
      res.json(await handlers.metrics(caller(req)));
    },
  );
  app.get(
    '/api/v1/admin/security/anomalies',
    guard,
    auditRead,
    async (req: Request, res: Response) => {
      res.json(await handlers.anomalies(caller(req), query(req)));
    },
  );
  app.post(
    '/api/v1/admin/users/:id/lock',
    guard,
    usersWrite,
    async (req: Request, res: Response) => {
      res.json(await handlers.lock(caller(req), req.params.id));
    },
  );
  app.post(
    '/api/v1/admin/users/:id/unlock',
    guard,
    usersWrite,
    async (req: Request, res: Response) => {
      res.json(await handlers.unlock(caller(req), req.params.id));
    },
  );

  app.get('/api/v1/privacy/my-data', guard, profileReader, async (req: Request, res: Response) => {
    res.json(await handlers.myData(caller(req)));
  });
  app.post('/api/v1/privacy/consent', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await handlers.consent(caller(req), req.body));
  });
  app.delete(
    '/api/v1/privacy/my-account',
    guard,
    anyCaller,
    async (req: Request, res: Response) => {
      await handlers.deleteMyAccount(caller(req), req.body);
      res.status(204).end();
    },
  );
}
