import { z } from 'zod';
import type { Clock } from '../clock.js';
import { clockSchema, parseOptions } from '../config.js';
import { RampartError } from '../errors/rampart-error.js';
import {
  createEventEmitter,
  type EmitSecurityEvent,
  type SecurityEventHandler,
} from '../events.js';
import { formatIpBytes, parseIpBytes } from './address.js';
import { compileIpList, type IpList } from './ip-list.js';

/**
 * Which clients may call. `block`: addresses and CIDR ranges refused. `allow`: when given (even
 * empty), only addresses on it are let through; `undefined` lets every address not blocked
 * through. The block list wins over the allow list.
 */
export interface IpFilterRules {
  readonly block?: readonly string[];
  readonly allow?: readonly string[] | undefined;
}

/** Options of {@link createIpFilter}. */
export interface IpFilterOptions {
  /**
   * The rules, or a getter read on every check so a runtime change (the security settings' IP
   * lists) applies to the next request. A getter's lists are compiled again only when it returns
   * other arrays than the last time (the settings hand out the same frozen arrays until a change).
   */
  readonly rules: IpFilterRules | (() => IpFilterRules);
  /** Receives an `IP_BLOCKED` event per refusal. */
  readonly onEvent?: SecurityEventHandler;
  /** Dates the events. Default the system clock. */
  readonly clock?: Clock;
}

/** Why a client is refused. */
export type IpFilterRefusal = 'blocked' | 'not-allowed';

/** Where a check happened, for the event. */
export interface IpFilterContext {
  readonly method?: string;
  readonly route?: string;
}

/** The 403 for a refused client address. The address is not echoed: the client knows its own. */
export function ipBlockedError(): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_IP_BLOCKED',
    title: 'Forbidden',
    detail: 'Requests from your network address are not allowed.',
  });
}

/** The compiled rules for one pair of arrays. */
interface CompiledRules {
  readonly blockSource: readonly string[] | undefined;
  readonly allowSource: readonly string[] | undefined;
  readonly block: IpList | undefined;
  readonly allow: IpList | undefined;
}

/**
 * Allow and block lists of client addresses, checked against core's client IP (`req.clientIp`,
 * so `X-Forwarded-For` counts only behind a trusted proxy; IPv4-mapped IPv6 is IPv4). Made by
 * {@link createIpFilter}; the Express middleware and Fastify hook of core use it.
 */
export class IpFilter {
  private compiled: CompiledRules;
  private fixedRules: IpFilterRules | undefined;
  private readonly getter: (() => IpFilterRules) | undefined;
  private readonly emit: EmitSecurityEvent;

  /** @internal Use {@link createIpFilter}. */
  constructor(options: IpFilterOptions) {
    const { rules, clock, onEvent } = parseOptions('createIpFilter', optionsSchema, options);
    if (typeof rules === 'function') this.getter = rules;
    else this.fixedRules = rules;
    this.emit = createEventEmitter({ source: '@rampart/core', clock, onEvent });
    // Misconfiguration throws now, at start-up, not on the first request.
    this.compiled = compileRules(this.rules(), 'createIpFilter.rules');
  }

  /**
   * Replaces fixed rules: a bad entry throws `RampartConfigError` naming it and keeps the old
   * rules. A filter built on a getter follows its getter instead, and throws a `TypeError` here.
   */
  update(rules: IpFilterRules): void {
    if (this.getter !== undefined) {
      throw new TypeError(
        'IpFilter.update: this filter reads its rules from a getter; change what it returns.',
      );
    }
    this.compiled = compileRules(rules, 'IpFilter.update');
    this.fixedRules = rules;
  }

  /** Why `ip` is refused, or `undefined` when it may call. */
  refusal(ip: string): IpFilterRefusal | undefined {
    const { block, allow } = this.current();
    if (block === undefined && allow === undefined) return undefined;
    const bytes = parseIpBytes(ip);
    // An address that cannot be read is on no list: refused only where an allow list applies.
    if (bytes === null) return allow === undefined ? undefined : 'not-allowed';
    const canonical = formatIpBytes(bytes);
    if (block?.contains(bytes, canonical) === true) return 'blocked';
    if (allow !== undefined && !allow.contains(bytes, canonical)) return 'not-allowed';
    return undefined;
  }

  /** Throws 403 `ERR_IP_BLOCKED` (and emits `IP_BLOCKED`) when `ip` is refused. */
  assertAllowed(ip: string, context: IpFilterContext = {}): void {
    const refusal = this.refusal(ip);
    if (refusal === undefined) return;
    this.emit({
      type: 'IP_BLOCKED',
      severity: 'warning',
      code: 'ERR_IP_BLOCKED',
      reason: refusal,
      ip,
      ...(context.method === undefined ? {} : { method: context.method }),
      ...(context.route === undefined ? {} : { route: context.route }),
    });
    throw ipBlockedError();
  }

  private rules(): IpFilterRules {
    return this.getter === undefined ? (this.fixedRules as IpFilterRules) : this.getter();
  }

  private current(): CompiledRules {
    const rules = this.rules();
    const compiled = this.compiled;
    if (rules.block === compiled.blockSource && rules.allow === compiled.allowSource)
      return compiled;
    this.compiled = compileRules(rules, 'IpFilter rules');
    return this.compiled;
  }
}

function compileRules(rules: IpFilterRules, option: string): CompiledRules {
  const { block, allow } = rules;
  return Object.freeze({
    blockSource: block,
    allowSource: allow,
    block:
      block === undefined || block.length === 0
        ? undefined
        : compileIpList(block, `${option}.block`),
    allow: allow === undefined ? undefined : compileIpList(allow, `${option}.allow`),
  });
}

const optionsSchema = z.strictObject({
  rules: z.custom<IpFilterRules | (() => IpFilterRules)>(
    (value) => typeof value === 'function' || (typeof value === 'object' && value !== null),
    'must be { block?, allow? } or a function returning it.',
  ),
  onEvent: z
    .custom<SecurityEventHandler>((value) => typeof value === 'function', 'must be a function.')
    .optional(),
  clock: clockSchema.optional(),
});

/**
 * Builds an IP filter.
 *
 * @example
 * const filter = createIpFilter({ rules: { block: ['203.0.113.0/24'] } });
 * filter.update({ block: ['203.0.113.0/24', '2001:db8::/32'] });
 * // From the runtime settings:
 * createIpFilter({ rules: () => ipRulesFrom(settings.current()) });
 */
export function createIpFilter(options: IpFilterOptions): IpFilter {
  return new IpFilter(options);
}
