import { keyWithRecord } from './key-record.js';
import type { LimiterConfig } from './options.js';
import type { RateLimitRequest } from './request.js';
import type { RateLimitKey } from './store.js';

/** Client keys a limiter remembers, across its scopes; when full it forgets them all (a miss costs one key). */
const MAX_REMEMBERED_KEYS = 10_000;
/** Routes a limiter keeps a scope for: routes are finite, the cap only guards against raw paths passed as routes. */
const MAX_ROUTES = 4096;

/** One scope's name and the keys of the clients seen in it; `null` for a client not limited. */
interface Scope {
  readonly name: string;
  readonly keys: Map<string, RateLimitKey | null>;
}

/**
 * The key a request is counted under: its scope (the limiter's fixed `scope`, else
 * `METHOD /matched/route`, else `*` for a request no route matched), its client's identity, and
 * the policies in force for that client; `undefined` when the request is skipped, or the client
 * allow-listed or overridden as `'unlimited'`.
 *
 * Keys of recent clients are remembered: a client seen before costs one lookup instead of its
 * identity, the allow list, the overrides and a new key (measured: 7× a memory-store check
 * without it), and stores meet the same strings again, whose hashes V8 keeps.
 */
export class ClientKeys {
  readonly #config: LimiterConfig;
  readonly #fixedScope: Scope | undefined;
  readonly #unrouted: Scope;
  /** Scopes by route, then method. */
  readonly #routes = new Map<string, Map<string, Scope>>();
  #remembered = 0;
  // Traffic comes in runs of one route: its scope is checked first, before two map lookups.
  #lastRoute: string | undefined;
  #lastMethod: string | undefined;
  #lastScope: Scope | undefined;

  constructor(config: LimiterConfig) {
    this.#config = config;
    this.#fixedScope = config.scope === undefined ? undefined : newScope(config.scope);
    this.#unrouted = newScope('*');
  }

  keyFor(request: RateLimitRequest): RateLimitKey | undefined {
    const config = this.#config;
    if (config.skip?.(request) === true) return undefined;
    const scope = this.#scopeOf(request);
    // With `key: 'ip'` the client is found by its IP as received, before it is parsed and grouped.
    const client = config.identityIsIp ? request.ip : config.identity(request);
    let key = scope.keys.get(client);
    if (key === undefined) {
      key = newKey(config, scope.name, config.identityIsIp ? config.identity(request) : client);
      this.#remember(scope, client, key);
    }
    return key ?? undefined;
  }

  #scopeOf(request: RateLimitRequest): Scope {
    if (this.#fixedScope !== undefined) return this.#fixedScope;
    const { route, method } = request;
    if (route === undefined) return this.#unrouted;
    if (route === this.#lastRoute && method === this.#lastMethod) return this.#lastScope as Scope;
    let byMethod = this.#routes.get(route);
    let scope = byMethod?.get(method);
    if (scope === undefined) {
      scope = newScope(`${method} ${route}`);
      if (byMethod === undefined) {
        if (this.#routes.size >= MAX_ROUTES) return scope;
        byMethod = new Map();
        this.#routes.set(route, byMethod);
      }
      byMethod.set(method, scope);
    }
    this.#lastRoute = route;
    this.#lastMethod = method;
    this.#lastScope = scope;
    return scope;
  }

  #remember(scope: Scope, client: string, key: RateLimitKey | null): void {
    if (this.#remembered >= MAX_REMEMBERED_KEYS) {
      this.#fixedScope?.keys.clear();
      this.#unrouted.keys.clear();
      for (const byMethod of this.#routes.values())
        for (const other of byMethod.values()) other.keys.clear();
      this.#remembered = 0;
    }
    scope.keys.set(client, key);
    this.#remembered++;
  }
}

function newScope(name: string): Scope {
  return { name, keys: new Map() };
}

/** The key of a client not seen before, or `null` when it is allow-listed or unlimited. */
function newKey(config: LimiterConfig, scope: string, identity: string): RateLimitKey | null {
  if (isAllowListed(config, identity)) return null;
  const override = config.overrides.match(identity);
  if (override === 'unlimited') return null;
  return keyWithRecord(scope, identity, override ?? config.policies);
}

/** An identity is allow-listed as a whole, or by any of its parts (`203.0.113.7|x:alice`). */
function isAllowListed(config: LimiterConfig, identity: string): boolean {
  const allowList = config.allowList;
  if (allowList.empty) return false;
  if (allowList.match(identity)) return true;
  return identity.includes('|') && identity.split('|').some((part) => allowList.match(part));
}
