/**
 * `@rampart/idempotency/fastify`: the Fastify plugin. Needs `rampartCore` from
 * `@rampart/core/fastify` registered first (it keeps the raw JSON bytes).
 */
import { Transform, type TransformCallback } from 'node:stream';
import {
  CONFIG_ERROR_CODES,
  parseOptions,
  RampartConfigError,
  type SyncAnswer,
  syncTwinOf,
} from '@rampart/core';
import { toSecurityRequest } from '@rampart/core/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onSendHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { BodyCollector } from './body-collector.js';
import { completeThenSend } from './complete-then.js';
import type {
  Idempotency,
  IdempotencyLease,
  IdempotencyRouteOptions,
  IdempotencyStart,
} from './idempotency.js';
import { IDEMPOTENCY_KEY_HEADER } from './key-header.js';
import { rawBodyOf } from './raw-body.js';
import type { ReplayResponse } from './response.js';

/** Options of {@link fastifyIdempotency}. */
export interface FastifyIdempotencyOptions {
  /** What `createIdempotency()` returned. */
  idempotency: Idempotency;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `true` (or `{ required: true }` to refuse a request without the header) to honour
     * `Idempotency-Key` on this route.
     */
    idempotency?: boolean | IdempotencyRouteOptions;
  }
}

const pluginSchema = z.strictObject({
  idempotency: z.custom<Idempotency>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { begin?: unknown }).begin === 'function',
    'must be what createIdempotency() returned',
  ),
});

const routeSchema = z.union(
  [z.boolean(), z.strictObject({ required: z.boolean().default(false) })],
  { error: 'must be true, false or { required: boolean }.' },
);

type HookList =
  | preHandlerHookHandler
  | preHandlerHookHandler[]
  | onSendHookHandler
  | onSendHookHandler[];

/** Puts `hook` after the route's own hooks of `phase`: idempotency runs after auth and signing. */
function appendHook(
  routeOptions: RouteOptions,
  phase: 'preHandler' | 'onSend',
  hook: unknown,
): void {
  const existing = routeOptions[phase] as HookList | undefined;
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  (routeOptions as unknown as Record<string, unknown>)[phase] = [...list, hook];
}

/**
 * Where a request in flight holds its lease: a request decorator under a symbol of this
 * registration's own (initialised to `null`, as Fastify's own plugins do), so no name is taken from
 * the request and two registrations never meet. Cheaper than the WeakMap it replaces, whose
 * entries the garbage collector traces as ephemerons.
 */
type LeaseSlot = symbol;

function leaseOf(request: FastifyRequest, slot: LeaseSlot): IdempotencyLease | null {
  return (request as unknown as Record<LeaseSlot, IdempotencyLease | null>)[slot] ?? null;
}

function holdLease(request: FastifyRequest, slot: LeaseSlot, lease: IdempotencyLease | null): void {
  (request as unknown as Record<LeaseSlot, IdempotencyLease | null>)[slot] = lease;
}

function createPreHandler(
  idempotency: Idempotency,
  route: IdempotencyRouteOptions,
  routeUrl: string,
  slot: LeaseSlot,
): preHandlerHookHandler {
  // The service's synchronous `begin` (core's fast path): a memory store answers without a promise.
  const beginNow = syncTwinOf(idempotency, 'begin');
  return function idempotencyPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    // Without the header there is nothing to claim: no request view, no promise to wait for.
    if (route.required !== true && request.headers[IDEMPOTENCY_KEY_HEADER] === undefined) {
      done();
      return;
    }
    function onStart(start: IdempotencyStart): void {
      if (start.action === 'replay') {
        sendReplay(reply, start.response);
        return;
      }
      if (start.lease !== undefined) holdLease(request, slot, start.lease);
      done();
    }
    let started: SyncAnswer<IdempotencyStart>;
    try {
      const security = toSecurityRequest(request, routeUrl);
      const rawBody = rawBodyOf(request.rawBody, request.body);
      if (rawBody !== undefined) security.rawBody = rawBody;
      started =
        beginNow === undefined
          ? idempotency.begin(security, request.auth, route)
          : beginNow.call(idempotency, security, request.auth, route);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (started instanceof Promise) started.then(onStart, done);
    else onStart(started);
  };
}

/** Sends a kept response again from a callback hook (so `done` is not called). */
function sendReplay(reply: FastifyReply, replay: ReplayResponse): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of replay.headers) {
    const values = grouped.get(name);
    if (values === undefined) grouped.set(name, [value]);
    else values.push(value);
  }
  reply.code(replay.status);
  for (const [name, values] of grouped)
    reply.header(name, values.length === 1 ? values[0] : values);
  reply.send(replay.body);
}

/**
 * Keeps a copy of a stream payload as it passes to the client, completing the lease before it ends
 * (or freeing the key when it fails: the response never arrived whole).
 */
function teeStream(
  payload: NodeJS.ReadableStream,
  lease: IdempotencyLease,
  reply: FastifyReply,
  limit: number,
): Transform {
  const collector = new BodyCollector(limit);
  const tee = new Transform({
    transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
      collector.add(chunk, encoding);
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      const captured = {
        status: reply.statusCode,
        headers: reply.getHeaders(),
        body: collector.body(),
      };
      // Kept before the stream ends: a retry the moment it has arrived gets the replay.
      completeThenSend(lease, captured, () => callback());
    },
  });
  payload.on('error', (error: Error) => {
    void lease.abandon();
    tee.destroy(error);
  });
  payload.pipe(tee);
  return tee;
}

function createOnSend(slot: LeaseSlot, limit: number): onSendHookHandler {
  return function idempotencyOnSend(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: Error | null, payload?: unknown) => void,
  ): void {
    const lease = leaseOf(request, slot);
    if (lease === null) {
      done(null, payload);
      return;
    }
    holdLease(request, slot, null);
    if (
      payload !== null &&
      typeof payload === 'object' &&
      typeof (payload as NodeJS.ReadableStream).pipe === 'function'
    ) {
      done(null, teeStream(payload as NodeJS.ReadableStream, lease, reply, limit));
      return;
    }
    const collector = new BodyCollector(limit);
    collector.add(payload);
    const captured = {
      status: reply.statusCode,
      headers: reply.getHeaders(),
      body: collector.body(),
    };
    completeThenSend(lease, captured, () => done(null, payload));
  } as onSendHookHandler;
}

async function idempotencyPlugin(
  fastify: FastifyInstance,
  options: FastifyIdempotencyOptions,
): Promise<void> {
  const { idempotency } = parseOptions('fastifyIdempotency', pluginSchema, options);
  const slot: LeaseSlot = Symbol('@rampart/idempotency lease');
  fastify.decorateRequest(slot, null);
  const onSend = createOnSend(slot, idempotency.maxResponseBytes);
  fastify.addHook('onRoute', function attachIdempotency(routeOptions: RouteOptions): void {
    const value: unknown = (routeOptions.config as { idempotency?: unknown } | undefined)
      ?.idempotency;
    if (value === undefined || value === false) return;
    const result = routeSchema.safeParse(value);
    if (!result.success) {
      throw new RampartConfigError(
        `${routeOptions.url}: config.idempotency`,
        'must be true, false or { required: boolean }.',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    const route = Object.freeze({
      required: result.data === true ? false : result.data !== false && result.data.required,
    });
    appendHook(
      routeOptions,
      'preHandler',
      createPreHandler(idempotency, route, routeOptions.url, slot),
    );
    appendHook(routeOptions, 'onSend', onSend);
  });
}

/**
 * The Fastify plugin for the `Idempotency-Key` header. Register it (after `rampartCore`) before
 * the routes; a route opts in with `config: { idempotency: true }` or
 * `{ idempotency: { required: true } }`. Its check runs after the route's own `preHandler`s, so
 * authentication and request signing come first; its `onSend` hook keeps the response the route
 * sends (a serialised payload or a stream) for the key's retries, which are answered from the
 * store with `Idempotency-Replayed: true`. Refusals are `RampartError`s answered by
 * `rampartCore`'s error handler (400, 401, 409, 422, 503).
 *
 * @example
 * await app.register(rampartCore);
 * await app.register(fastifyIdempotency, { idempotency: createIdempotency({ store }) });
 * app.post('/api/v1/payments', { preHandler: [auth], config: { idempotency: true } }, handler);
 */
export const fastifyIdempotency = fp(idempotencyPlugin, {
  fastify: '5.x',
  name: '@rampart/idempotency',
  dependencies: ['@rampart/core'],
});

export type { Idempotency, IdempotencyRouteOptions };
