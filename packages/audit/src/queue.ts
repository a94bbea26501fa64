import { type AuditEventInput, type AuditRequestContext, CRITICAL_EVENT_TYPES } from './record.js';

/** An event waiting to be written, as `record()` received it (the request path does no more). */
export interface QueuedEvent {
  readonly event: AuditEventInput;
  readonly context: AuditRequestContext | undefined;
  /** The trail's clock when it was queued (the event's own `at` wins when it has one). */
  readonly queuedAt: number;
}

/** Events folded into one count because the queue was full (see {@link EventQueue}). */
export interface FoldedEvents {
  /** The first event folded: type, severity, source, actor and code of the group. */
  readonly first: QueuedEvent;
  count: number;
  from: number;
  to: number;
  /** The group is `(type, outcome)` only: the actors were too many to keep apart. */
  readonly anyActor: boolean;
}

/** Sizes of {@link EventQueue}. */
export interface EventQueueLimits {
  /** Events held one by one. */
  maxQueue: number;
  /** Distinct (type, actor, window) groups folded while the queue is full. */
  maxAggregates: number;
  /** Length of an aggregate's window, ms. */
  aggregateWindowMs: number;
}

/** What the queue holds and has done, for `stats()` and the flood tests. */
export interface EventQueueStats {
  queued: number;
  /** Critical events held beyond `maxQueue` (never folded, never dropped). */
  criticalOverflow: number;
  aggregates: number;
  /** Events folded into aggregates since start. */
  folded: number;
}

const CRITICAL = new Set(CRITICAL_EVENT_TYPES);

/** Whether an event is recorded one by one whatever the load: the seed's critical types, or `critical` severity. */
export function isCritical(event: AuditEventInput): boolean {
  return event.severity === 'critical' || CRITICAL.has(event.type);
}

/**
 * The bounded queue between the request path and the writer. Up to `maxQueue` events wait one by
 * one; past that a critical event still waits on its own (never lost), and any other is folded
 * into a count per (type, outcome, user, IP, window): memory stays bounded under a flood and the
 * counts add up to it. When even the groups are full (`maxAggregates`), an event is folded into
 * its (type, outcome) group with the actor left out.
 */
export class EventQueue {
  readonly #limits: EventQueueLimits;
  #items: QueuedEvent[] = [];
  #critical: QueuedEvent[] = [];
  #groups = new Map<string, FoldedEvents>();
  #folded = 0;

  constructor(limits: EventQueueLimits) {
    this.#limits = limits;
  }

  /** Queues one event; O(1), never throws, never allocates more than the event's entry. */
  push(entry: QueuedEvent): void {
    if (this.#items.length < this.#limits.maxQueue) this.#items.push(entry);
    else if (isCritical(entry.event)) this.#critical.push(entry);
    else this.#fold(entry);
  }

  get size(): number {
    return this.#items.length + this.#critical.length + this.#groups.size;
  }

  stats(): EventQueueStats {
    return {
      queued: this.#items.length,
      criticalOverflow: this.#critical.length,
      aggregates: this.#groups.size,
      folded: this.#folded,
    };
  }

  /**
   * Takes up to `max` entries for the writer, oldest first: events one by one, then critical
   * events held past the bound, then the aggregates whose window is over (all of them when
   * `allAggregates`, at a flush or shutdown).
   */
  take(
    max: number,
    now: number,
    allAggregates: boolean,
  ): { events: QueuedEvent[]; aggregates: FoldedEvents[] } {
    const events = this.#items.length <= max ? this.#items : this.#items.slice(0, max);
    this.#items = events === this.#items ? [] : this.#items.slice(max);
    let room = max - events.length;
    if (room > 0 && this.#critical.length > 0) {
      const critical = this.#critical.splice(0, room);
      events.push(...critical);
      room -= critical.length;
    }
    const aggregates: FoldedEvents[] = [];
    if (room > 0 && this.#groups.size > 0) {
      for (const [key, group] of this.#groups) {
        if (aggregates.length === room) break;
        if (!allAggregates && now - group.from < this.#limits.aggregateWindowMs) continue;
        aggregates.push(group);
        this.#groups.delete(key);
      }
    }
    return { events, aggregates };
  }

  /**
   * Puts back what the writer took and could not write (the store is down), ahead of newer
   * events, so a retry writes them first and in order. Past the bound, they fold as new ones do.
   */
  putBack(taken: { events: QueuedEvent[]; aggregates: FoldedEvents[] }): void {
    const events = taken.events.concat(this.#items);
    this.#items = [];
    for (const entry of events) this.push(entry);
    for (const group of taken.aggregates) this.#merge(group);
  }

  #fold(entry: QueuedEvent): void {
    this.#folded++;
    const event = entry.event;
    const at = event.at ?? entry.queuedAt;
    const window = Math.floor(at / this.#limits.aggregateWindowMs);
    const kind = `${event.type}\u0000${event.outcome ?? ''}\u0000${window}`;
    const key = `${kind}\u0000${event.userId ?? ''}\u0000${event.ip ?? ''}`;
    const group = this.#groups.get(key);
    if (group !== undefined) {
      group.count++;
      if (at > group.to) group.to = at;
      return;
    }
    const anyKey = `${kind}\u0000*`;
    const anyActor = this.#groups.size >= this.#limits.maxAggregates;
    const target = anyActor ? this.#groups.get(anyKey) : undefined;
    if (target !== undefined) {
      target.count++;
      if (at > target.to) target.to = at;
      return;
    }
    // Over `maxAggregates` only by the (type, outcome, window) groups, a set the code fixes.
    this.#groups.set(anyActor ? anyKey : key, {
      first: entry,
      count: 1,
      from: at,
      to: at,
      anyActor,
    });
  }

  #merge(group: FoldedEvents): void {
    const event = group.first.event;
    const key = `\u0001put-back\u0000${event.type}\u0000${group.from}\u0000${event.userId ?? ''}\u0000${event.ip ?? ''}\u0000${group.anyActor}`;
    const existing = this.#groups.get(key);
    if (existing === undefined) this.#groups.set(key, group);
    else {
      existing.count += group.count;
      existing.to = Math.max(existing.to, group.to);
    }
  }
}
