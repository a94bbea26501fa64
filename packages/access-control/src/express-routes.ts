import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CompiledRequirement } from './requirement.js';

/** The part of an Express router layer this file reads (Express 4 and 5 alike). */
interface ExpressLayer {
  readonly handle: RequestHandler & { readonly stack?: ExpressRouteStack };
  readonly route?: ExpressRoute;
  readonly method?: string;
}

/** The part of an Express `Route` this file reads and extends. */
interface ExpressRoute {
  readonly path: unknown;
  readonly methods: Record<string, boolean | undefined>;
  readonly stack: readonly ExpressLayer[];
  options(...handlers: RequestHandler[]): unknown;
}

/** A router's layers. */
export type ExpressRouteStack = readonly ExpressLayer[];

/** One route found in a router, with what `guardRoutes` does to it. */
export interface FoundRoute {
  /** `GET /api/v1/users` for messages. */
  readonly description: string;
  /** The route's path as written in its router. */
  readonly path: string;
  /** The router stack holding it: one path in two routers is two paths. */
  readonly stack: ExpressRouteStack;
  /** Its methods, upper case (`ALL` for `app.all`). */
  readonly methods: readonly string[];
  /** The requirements of the route's guards, in order. */
  guards(declarations: WeakMap<RequestHandler, CompiledRequirement>): CompiledRequirement[];
  /**
   * Adds an OPTIONS handler running the route's middleware up to its last guard, answering
   * `Allow` with `pathMethods`: the methods of every route on this path (`app.get` and
   * `app.patch` of one path are two routes).
   */
  guardOptions(
    declarations: WeakMap<RequestHandler, CompiledRequirement>,
    pathMethods: readonly string[],
  ): void;
}

/** Every route of `stack` and of the routers mounted in it, depth first. */
export function* findRoutes(stack: ExpressRouteStack): Generator<FoundRoute> {
  for (const layer of stack) {
    if (layer.route !== undefined) {
      yield describeRoute(layer.route, stack);
    } else if (Array.isArray(layer.handle?.stack)) {
      yield* findRoutes(layer.handle.stack);
    }
  }
}

function methodsOf(route: ExpressRoute): string[] {
  return Object.keys(route.methods)
    .filter((method) => route.methods[method] === true)
    .map((method) => (method === '_all' ? 'ALL' : method.toUpperCase()));
}

function describeRoute(route: ExpressRoute, stack: ExpressRouteStack): FoundRoute {
  const methods = methodsOf(route);
  const path = typeof route.path === 'string' ? route.path : String(route.path);
  return {
    description: `${methods.join(',')} ${path}`,
    path,
    stack,
    methods,
    guards(declarations) {
      const found: CompiledRequirement[] = [];
      for (const layer of route.stack) {
        const requirement = declarations.get(layer.handle);
        if (requirement !== undefined) found.push(requirement);
      }
      return found;
    },
    guardOptions(declarations, pathMethods) {
      if (route.methods.options === true || route.methods._all === true) return;
      // The chain of one method (the first guarded one): a route may hold several methods'
      // layers, and another method's handler must not run for OPTIONS.
      const method = route.stack.find((layer) => declarations.has(layer.handle))?.method;
      const layers = route.stack.filter((layer) => layer.method === method);
      let last = -1;
      layers.forEach((layer, index) => {
        if (declarations.has(layer.handle)) last = index;
      });
      const chain = layers.slice(0, last + 1).map((layer) => layer.handle);
      // `app.all` on the path answers OPTIONS itself; ALL is no method to list.
      const listed = pathMethods.filter((name) => name !== 'ALL');
      const allow = [
        ...new Set([...listed, ...(listed.includes('GET') ? ['HEAD'] : []), 'OPTIONS']),
      ].join(', ');
      route.options(
        ...chain,
        function answerOptions(_req: Request, res: Response, _next: NextFunction): void {
          res.setHeader('Allow', allow);
          res.status(204).end();
        },
      );
    },
  };
}
