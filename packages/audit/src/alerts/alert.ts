import { randomUUID } from 'node:crypto';
import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import { z } from 'zod';
import { type AuditEventInput, CRITICAL_EVENT_TYPES } from '../record.js';
import { capText } from '../sanitize.js';

/** A rule: which events raise an alert, and how many of them over what window. */
export interface AlertRule {
  /** 1 to 64 of `A-Z a-z 0-9 _ . -`. */
  name: string;
  /** The event types it watches. */
  types: readonly string[];
  /**
   * Raise only when `count` events of the group (`user` or `ip`) fall within `windowMs`. Without
   * it every matching event raises the alert.
   */
  threshold?: { count: number; windowMs: number; groupBy: 'user' | 'ip' } | undefined;
}

/** One alert, as every sink receives it. No secret; the user id and IP of the last event. */
export interface Alert {
  /** `alert_<uuid>`. */
  id: string;
  rule: string;
  /** The type of the event that raised it. */
  type: string;
  /** Events counted (1 without a threshold). */
  count: number;
  /** Repeats of this alert folded since the previous one was sent (same rule, type and group). */
  folded: number;
  /** The group the threshold counted, when the rule has one. */
  group?: { by: 'user' | 'ip'; value: string };
  /** Epoch ms of the first and last event counted. */
  firstAt: number;
  lastAt: number;
  event: {
    type: string;
    severity: string;
    source?: string;
    code?: string;
    reason?: string;
    userId?: string;
    ip?: string;
    method?: string;
    route?: string;
  };
}

/** Where alerts go: a signed webhook, a callback. `deliver` may take its time; nobody waits. */
export interface AlertSink {
  readonly name: string;
  deliver(alert: Alert): Promise<void>;
}

/** The default rule: every critical type of the seed, each event an alert. */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze([
  Object.freeze({ name: 'critical-event', types: CRITICAL_EVENT_TYPES }),
]);

/** Options of {@link createAlerter}. */
export interface AlerterOptions {
  /** Default {@link DEFAULT_ALERT_RULES}. */
  rules?: readonly AlertRule[] | undefined;
  sinks: readonly AlertSink[];
  /** Repeats of one alert (rule, type, group) within this window are folded. Default 60 000 ms. */
  dedupWindowMs?: number | undefined;
  /** Alerts waiting for delivery per sink; past it the oldest is dropped and counted. Default 1 000. */
  maxPending?: number | undefined;
  /** Threshold groups and dedup entries held (oldest forgotten first). Default 10 000. */
  maxGroups?: number | undefined;
  /** Deliveries in flight per sink. Default 4. */
  concurrency?: number | undefined;
  /** Sees each delivery that failed after its retries. Default: one process warning. */
  onError?: ((error: unknown, alert: Alert) => void) | undefined;
  clock?: Clock | undefined;
}

/** What an alerter has done. */
export interface AlerterStats {
  raised: number;
  folded: number;
  delivered: number;
  failed: number;
  dropped: number;
  pending: number;
}

/** Raises alerts from events; see {@link createAlerter}. */
export interface Alerter {
  /** Looks at one event: synchronous, never waits for a sink, never throws. */
  observe(event: AuditEventInput): void;
  /** Resolves once every alert raised so far was delivered or gave up. */
  drain(): Promise<void>;
  stats(): AlerterStats;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const optionsSchema = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        name: z.string().regex(NAME, 'must be 1 to 64 of A-Z a-z 0-9 _ . -'),
        types: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be event types')).min(1),
        threshold: z
          .strictObject({
            count: z.number().int().min(1).max(1_000_000),
            windowMs: z.number().int().min(1).max(86_400_000),
            groupBy: z.enum(['user', 'ip']),
          })
          .optional(),
      }),
    )
    .default(() => [{ name: 'critical-event', types: [...CRITICAL_EVENT_TYPES] }]),
  sinks: z.array(
    z.custom<AlertSink>(
      (value) => typeof (value as AlertSink | null)?.deliver === 'function',
      'must have deliver(alert)',
    ),
  ),
  dedupWindowMs: z.number().int().min(0).max(86_400_000).default(60_000),
  maxPending: z.number().int().min(1).max(1_000_000).default(1000),
  maxGroups: z.number().int().min(1).max(10_000_000).default(10_000),
  concurrency: z.number().int().min(1).max(64).default(4),
  onError: z
    .custom<(error: unknown, alert: Alert) => void>((v) => typeof v === 'function')
    .optional(),
  clock: clockSchema.optional(),
});

/** A Map that forgets its oldest entries past `max` (monitoring state, not a security control). */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}

/** Delivers to one sink, `concurrency` at a time, from a bounded queue. */
class SinkQueue {
  readonly #pending: Alert[] = [];
  #running = 0;
  #idle: (() => void)[] = [];
  constructor(
    readonly sink: AlertSink,
    readonly limits: { maxPending: number; concurrency: number },
    readonly stats: AlerterStats,
    readonly onError: (error: unknown, alert: Alert) => void,
  ) {}

  push(alert: Alert): void {
    if (this.#pending.length >= this.limits.maxPending) {
      this.#pending.shift();
      this.stats.dropped++;
    }
    this.#pending.push(alert);
    this.#pump();
  }

  get size(): number {
    return this.#pending.length + this.#running;
  }

  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.limits.concurrency && this.#pending.length > 0) {
      const alert = this.#pending.shift() as Alert;
      this.#running++;
      this.sink
        .deliver(alert)
        .then(
          () => {
            this.stats.delivered++;
          },
          (error: unknown) => {
            this.stats.failed++;
            this.onError(error, alert);
          },
        )
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }
}

/**
 * Raises alerts from security events by rules (an event type; a threshold over a window grouped
 * by user or IP), folds repeats of one alert within `dedupWindowMs`, and hands each to its sinks
 * in the background: `observe` only counts and queues, so a receiver that hangs or is down never
 * slows or fails the request that raised the alert.
 *
 * @example
 * const alerts = createAlerter({ sinks: [webhookAlertSink({ url, secret })] });
 * const onEvent = (event) => { trail.record(event); alerts.observe(event); };
 */
export function createAlerter(options: AlerterOptions): Alerter {
  const config = parseOptions('createAlerter', optionsSchema, options);
  const clock = config.clock ?? systemClock;
  const byType = new Map<string, AlertRule[]>();
  for (const rule of config.rules) {
    for (const type of rule.types) byType.set(type, [...(byType.get(type) ?? []), rule]);
  }
  const stats: AlerterStats = {
    raised: 0,
    folded: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
    pending: 0,
  };
  let warned = false;
  const onError =
    config.onError ??
    ((error: unknown) => {
      if (warned) return;
      warned = true;
      const reason = error instanceof Error ? error.message : String(error);
      process.emitWarning(`A security alert was not delivered: ${reason}`, {
        code: 'RAMPART_AUDIT_ALERT_FAILED',
      });
    });
  const queues = config.sinks.map(
    (sink) =>
      new SinkQueue(
        sink,
        { maxPending: config.maxPending, concurrency: config.concurrency },
        stats,
        onError,
      ),
  );
  /** Recent event times per (rule, group), at most `count` of them. */
  const windows = new Map<string, number[]>();
  /** When each alert (rule, type, group) was last sent, and repeats folded since. */
  const sent = new Map<string, { at: number; folded: number }>();

  function raise(
    rule: AlertRule,
    event: AuditEventInput,
    now: number,
    count: number,
    firstAt: number,
    group?: Alert['group'],
  ) {
    const key = `${rule.name}\u0000${event.type}\u0000${group?.by ?? ''}\u0000${group?.value ?? ''}`;
    const last = sent.get(key);
    if (last !== undefined && now - last.at < config.dedupWindowMs) {
      last.folded++;
      stats.folded++;
      return;
    }
    remember(sent, key, { at: now, folded: 0 }, config.maxGroups);
    const alert: Alert = {
      id: `alert_${randomUUID()}`,
      rule: rule.name,
      type: event.type,
      count,
      folded: last?.folded ?? 0,
      firstAt,
      lastAt: now,
      event: { type: event.type, severity: event.severity },
    };
    if (group !== undefined) alert.group = group;
    for (const name of ['source', 'code', 'reason', 'userId', 'ip', 'method', 'route'] as const) {
      const value = capText(event[name], 256);
      if (value !== undefined) alert.event[name] = value;
    }
    stats.raised++;
    for (const queue of queues) queue.push(alert);
  }

  function observe(event: AuditEventInput): void {
    const rules = byType.get(event.type);
    if (rules === undefined) return;
    const now = event.at ?? clock.now();
    for (const rule of rules) {
      const threshold = rule.threshold;
      if (threshold === undefined) {
        raise(rule, event, now, 1, now);
        continue;
      }
      const value = threshold.groupBy === 'user' ? event.userId : event.ip;
      if (value === undefined) continue;
      const key = `${rule.name}\u0000${value}`;
      const times = (windows.get(key) ?? []).filter((at) => now - at < threshold.windowMs);
      times.push(now);
      if (times.length >= threshold.count) {
        windows.delete(key);
        raise(rule, event, now, times.length, times[0] as number, { by: threshold.groupBy, value });
      } else {
        remember(windows, key, times, config.maxGroups);
      }
    }
  }

  return Object.freeze({
    observe,
    async drain() {
      await Promise.all(queues.map((queue) => queue.idle()));
    },
    stats: () => ({ ...stats, pending: queues.reduce((sum, queue) => sum + queue.size, 0) }),
  });
}
