import type { Request } from 'express';
import type { RateLimitDecision } from './decision.js';

/**
 * Puts the decision on `req.rateLimit` without adding a property to `req`.
 *
 * Why: Express swaps the prototype of every request (to its `app.request`), and V8 then gives
 * each `req` that gains a property (the router adds `next`, `baseUrl` …) a hidden class of its
 * own, so adding a property builds yet another one on every request, and every lookup on `req`
 * misses V8's caches. Measured over HTTP on one core, that assignment alone cost ~4 % of bare
 * Express's throughput. Instead, the first request of an app defines `rateLimit` once as an
 * accessor on that app's `app.request` (the prototype Express documents for extending requests),
 * backed by a `WeakMap`: reading and assigning `req.rateLimit` behave as before, and the map lets
 * go of a request with the request.
 *
 * Only Express's per-app prototype is touched: a request whose prototype is not one (a plain
 * `http.IncomingMessage`, another framework), or that already has `rateLimit` there, gets the
 * property assigned as usual.
 */
export function exposeDecision(req: Request, decision: RateLimitDecision): void {
  const prototype: object | null = Object.getPrototypeOf(req);
  if (prototype !== lastPrototype) {
    if (prototype === null || !accessorOn(prototype)) {
      req.rateLimit = decision;
      return;
    }
    lastPrototype = prototype;
  }
  // Straight into the map the accessor reads: an assignment to `req` is one more lookup that
  // misses V8's caches (its hidden class is new). Onto an own property if something made one.
  if (Object.hasOwn(req, 'rateLimit')) req.rateLimit = decision;
  else decisions.set(req, decision);
}

const decisions = new WeakMap<object, RateLimitDecision | undefined>();
/** Prototypes looked at: `true` when they carry the accessor. */
const prototypes = new WeakMap<object, boolean>();
/** The last prototype carrying the accessor: most processes have one Express app. */
let lastPrototype: object | undefined;

function accessorOn(prototype: object): boolean {
  let has = prototypes.get(prototype);
  if (has === undefined) {
    has = isExpressAppRequest(prototype) && defineAccessor(prototype);
    prototypes.set(prototype, has);
  }
  return has;
}

/** Express's `app.request`: created per app with an own `app` whose `request` is itself. */
function isExpressAppRequest(prototype: object): boolean {
  const app: unknown = Object.getOwnPropertyDescriptor(prototype, 'app')?.value;
  return typeof app === 'function' && (app as { request?: unknown }).request === prototype;
}

function defineAccessor(prototype: object): boolean {
  if (Object.hasOwn(prototype, 'rateLimit') || !Object.isExtensible(prototype)) return false;
  Object.defineProperty(prototype, 'rateLimit', {
    configurable: true,
    enumerable: false,
    get(this: object): RateLimitDecision | undefined {
      return decisions.get(this);
    },
    set(this: object, value: RateLimitDecision | undefined) {
      decisions.set(this, value);
    },
  });
  return true;
}
