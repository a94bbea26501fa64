/**
 * Rampart's one synchronous fast path (docs/architecture.md, "The synchronous fast path").
 *
 * Store and service methods answer with promises, because most backends do I/O. Where the work
 * is in process (a memory store, a verifier over one), the promise and the microtask that awaits
 * it are a measurable share of the call. Such a method may have a synchronous twin: a function
 * taking the same `this` and arguments that returns the answer and throws the refusal the method
 * would reject with, or returns a (native) promise when it finds it must wait after all.
 *
 * The twin belongs to the method, not to the object: a subclass's override of the method, or a
 * test spy on it, is another function with no twin, so callers fall back to the method and never
 * skip what the override adds. No store or service type mentions it, so it is no part of any
 * package's public contract.
 */

type AnyFunction = (...args: never[]) => unknown;

/**
 * Where a method keeps its twin: a property of the method's own function object, naming that
 * function, so an override or a spy (another function, even one that copied the property) has
 * none. A property rather than a WeakMap keyed by the function: the read a caller makes on every
 * call is an inline-cached load, not a hash lookup (~1 ns instead of ~9 ns, a tenth of an
 * in-memory rate-limit check).
 */
const TWIN: unique symbol = Symbol('rampart.sync-twin');

interface TwinRecord {
  readonly method: AnyFunction;
  readonly twin: AnyFunction;
}

type WithTwin = AnyFunction & { readonly [TWIN]?: TwinRecord };

/**
 * What a synchronous twin returns: the answer itself, or a promise of it when it had to wait
 * (callers tell them apart with `instanceof Promise`).
 */
export type SyncAnswer<Result> = Result | Promise<Result>;

/** The twin of `Owner`'s promise-returning method `Method`: same `this`, same arguments. */
export type SyncTwin<Owner, Method> = Method extends (...args: infer Args) => Promise<infer Result>
  ? (this: Owner, ...args: Args) => SyncAnswer<Result>
  : never;

/**
 * Declares `twin` the synchronous twin of `owner[name]`, a method on a class's prototype or a
 * service object's own function. Declare it once, where the method is defined: in a class, in a
 * `static {}` block, which can reach the instance's `#private` state.
 *
 * @example
 * class MemoryNonceStore {
 *   claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> { … }
 *   static {
 *     defineSyncTwin(MemoryNonceStore.prototype, 'claim', function claimNow(scope, nonce, ttlMs) {
 *       return this.#claimNow(scope, nonce, ttlMs);
 *     });
 *   }
 * }
 */
export function defineSyncTwin<Owner extends object, Name extends keyof Owner>(
  owner: Owner,
  name: Name,
  twin: SyncTwin<Owner, Owner[Name]>,
): void {
  const method = owner[name] as AnyFunction;
  const record: TwinRecord = Object.freeze({ method, twin: twin as AnyFunction });
  Object.defineProperty(method, TWIN, { value: record, configurable: true });
}

/**
 * The synchronous twin of `owner[name]` as the object holds it now, or `undefined` when that
 * function has none. Call it on `owner`.
 *
 * @example
 * const claimNow = syncTwinOf(store, 'claim');
 * const fresh = claimNow === undefined ? store.claim(scope, nonce, ttl) : claimNow.call(store, scope, nonce, ttl);
 * if (fresh instanceof Promise) return fresh.then(onClaim);
 * return onClaim(fresh);
 */
export function syncTwinOf<Owner extends object, Name extends keyof Owner>(
  owner: Owner,
  name: Name,
): SyncTwin<Owner, Owner[Name]> | undefined {
  const method = owner[name] as WithTwin | undefined;
  const record = typeof method === 'function' ? method[TWIN] : undefined;
  return (record !== undefined && record.method === method ? record.twin : undefined) as
    | SyncTwin<Owner, Owner[Name]>
    | undefined;
}

/**
 * One hot call site of a method's twin, for a caller that meets the same few owners over and
 * over (a limiter its store's `hit`): it asks `syncTwinOf` again only when the method it is
 * handed changes (another store, an override, a spy), so an override is still never skipped.
 * Asked on every call from every package, `syncTwinOf`'s one body sees all their owners and
 * names and its reads go megamorphic (a sixth of an in-memory rate-limit check); a site's stay
 * monomorphic, the caller's own read of the method included.
 *
 * @example
 * readonly #hit = new SyncTwinSite<RateLimitStore, 'hit'>('hit');
 * const hitNow = this.#hit.twinOf(store, store.hit);
 * const outcomes = hitNow === undefined ? store.hit(check) : hitNow.call(store, check);
 */
export class SyncTwinSite<Owner extends object, Name extends keyof Owner> {
  readonly #name: Name;
  #method: unknown;
  #twin: SyncTwin<Owner, Owner[Name]> | undefined;

  constructor(name: Name) {
    this.#name = name;
  }

  /** The twin of `method`, which the caller read as `owner[name]`, or `undefined` when it has none. */
  twinOf(owner: Owner, method: Owner[Name]): SyncTwin<Owner, Owner[Name]> | undefined {
    if (method !== this.#method) {
      this.#method = method;
      this.#twin = syncTwinOf(owner, this.#name);
    }
    return this.#twin;
  }
}
