/**
 * The floor of the idempotency HTTP benchmark: the work no implementation of the issue's
 * semantics can skip, without `@rampart/idempotency`. A request with an `Idempotency-Key` gets
 * the store key (SHA-256 of the principal and the key) and the fingerprint (SHA-256 of the
 * method, route, target, principal and raw body), one claim in a `Map`, and its response kept
 * there as the framework sends it; a retry with the same fingerprint is answered from the map.
 * No key validation, no lease expiry, no encoding, no events, no size cap: what it costs is a
 * lower bound of what a real middleware costs, which is what the row is for.
 */
import { hash } from 'node:crypto';
import type { Application, NextFunction, Request, Response } from 'express';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface KeptResponse {
  status: number;
  contentType: string;
  body: string | Buffer;
}

interface FloorRecord {
  fingerprint: string;
  response: KeptResponse | undefined;
}

const SEPARATOR = '\u0000';

function storeKey(principal: string, key: string): string {
  return hash('sha256', `${principal}${SEPARATOR}${key}`, 'base64url');
}

function fingerprint(
  method: string,
  route: string,
  target: string,
  principal: string,
  body: Uint8Array,
): string {
  const head = Buffer.from(
    `${method}${SEPARATOR}${route}${SEPARATOR}${target}${SEPARATOR}${principal}${SEPARATOR}`,
  );
  return hash('sha256', Buffer.concat([head, body]), 'base64url');
}

/** What a claim found: nothing (run the handler), or a kept response to send again. */
function claim(
  records: Map<string, FloorRecord>,
  key: string,
  print: string,
): FloorRecord | KeptResponse | 'conflict' {
  const found = records.get(key);
  if (found === undefined) {
    const record: FloorRecord = { fingerprint: print, response: undefined };
    records.set(key, record);
    return record;
  }
  if (found.fingerprint !== print || found.response === undefined) return 'conflict';
  return found.response;
}

const EMPTY = new Uint8Array(0);

/** Where a Fastify request holds its claim: a request decorator, as the plugin holds its lease. */
interface FloorRequest {
  floorRecord: FloorRecord | null;
}

/**
 * The floor's `preHandler` and `onSend` hooks for one Fastify route (`rampartCore` keeps
 * `request.rawBody`); decorates requests with `floorRecord`.
 */
export function fastifyFloorHooks(app: FastifyInstance, route: string, principal: string) {
  const records = new Map<string, FloorRecord>();
  app.decorateRequest('floorRecord', null);
  return {
    preHandler(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string') {
        done();
        return;
      }
      const body = (request as { rawBody?: Uint8Array | null }).rawBody ?? EMPTY;
      const print = fingerprint(request.method, route, request.url, principal, body);
      const found = claim(records, storeKey(principal, key), print);
      if (found === 'conflict') {
        reply.code(409).send();
        return;
      }
      if ('fingerprint' in found) {
        (request as unknown as FloorRequest).floorRecord = found;
        done();
        return;
      }
      reply.code(found.status).header('content-type', found.contentType).send(found.body);
    },
    onSend(
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (error: null, payload: unknown) => void,
    ): void {
      const record = (request as unknown as FloorRequest).floorRecord;
      if (record !== null && typeof payload === 'string') {
        record.response = {
          status: reply.statusCode,
          contentType: String(reply.getHeader('content-type')),
          body: payload,
        };
      }
      done(null, payload);
    },
  };
}

/**
 * The floor as Express middleware. The response is kept by a wrap of `end` on the app's response
 * prototype (the cheapest capture Express allows; a wrap per response costs more); the claim is
 * held in `res.locals`.
 */
export function expressFloor(app: Application, route: string, principal: string) {
  const records = new Map<string, FloorRecord>();
  const prototype = (app as unknown as { response: Response }).response;
  const end = prototype.end;
  prototype.end = function keepThenEnd(this: Response, ...args: unknown[]) {
    const record = this.locals.floorRecord as FloorRecord | undefined;
    const chunk = args[0];
    if (record !== undefined && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      record.response = {
        status: this.statusCode,
        contentType: String(this.getHeader('content-type')),
        body: chunk,
      };
    }
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];
  return function floorMiddleware(req: Request, res: Response, next: NextFunction): void {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') {
      next();
      return;
    }
    const body = (req as { rawBody?: Uint8Array }).rawBody ?? EMPTY;
    const print = fingerprint(req.method, route, req.url, principal, body);
    const found = claim(records, storeKey(principal, key), print);
    if (found === 'conflict') {
      res.status(409).end();
      return;
    }
    if ('fingerprint' in found) {
      res.locals.floorRecord = found;
      next();
      return;
    }
    res.status(found.status).type(found.contentType).send(found.body);
  };
}
