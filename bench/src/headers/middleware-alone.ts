/**
 * The Express middleware alone, in process: what each adds to one response, with no socket,
 * router or JSON in the measure. The HTTP rows carry ~200 µs of Express per request, in which a
 * few µs of difference are within a round's noise; here they are the whole measure.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { securityHeaders } from '@rampart/headers/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Variant } from '../harness/runner.js';
import { API_AS_HELMET, BESIDE_HELMET } from './peer-config.js';

/** Responses per op: one op is this many fresh responses through the middleware. */
export const RESPONSES_PER_OP = 100;

export const NEXT_ONLY = 'a middleware that only calls next()';
export const PEER_ALONE = 'helmet + Permissions-Policy and Cache-Control beside it';
export const OURS_ALONE = '@rampart/headers securityHeaders()';

function nextOnly(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

const peerHelmet = helmet(API_AS_HELMET);
function helmetAndBeside(req: Request, res: Response, next: NextFunction): void {
  peerHelmet(req, res, () => {
    for (const [name, value] of BESIDE_HELMET) res.setHeader(name, value);
    next();
  });
}

function variant(name: string, middleware: RequestHandler, baseline?: string): Variant {
  const req = new IncomingMessage(new Socket()) as Request;
  let calls = 0;
  const next = () => {
    calls += 1;
  };
  return {
    name,
    ...(baseline === undefined ? {} : { baseline }),
    async op() {
      calls = 0;
      for (let i = 0; i < RESPONSES_PER_OP; i++) {
        const res = new ServerResponse(req) as Response;
        // What Express's own init middleware sets before any app middleware runs.
        res.setHeader('X-Powered-By', 'Express');
        middleware(req, res, next);
      }
      return calls === RESPONSES_PER_OP;
    },
  };
}

/** The three variants: next() only as the baseline, helmet's and ours against it. */
export function middlewareVariants(): Variant[] {
  return [
    variant(NEXT_ONLY, nextOnly),
    variant(PEER_ALONE, helmetAndBeside, NEXT_ONLY),
    variant(OURS_ALONE, securityHeaders(), NEXT_ONLY),
  ];
}
