import { type SecurityEvent, systemClock } from '@rampart/core';
import {
  parseBody,
  personalFieldsOf,
  type SealedPersonal,
  toAuditRecord,
  writeBody,
} from './body.js';
import { type ChainHead, ChainKeys, type Checkpoint, GENESIS_HASH } from './chain.js';
import { AuditChainConflictError } from './errors.js';
import { type SecurityMetrics, securityMetrics } from './metrics.js';
import { type AuditTrailOptions, parseAuditTrailOptions } from './options.js';
import { PersonalSealer } from './personal.js';
import { type AuditQuery, checkQuery } from './query.js';
import { EventQueue, type EventQueueStats, type FoldedEvents, type QueuedEvent } from './queue.js';
import type { AuditEventInput, AuditRecord, AuditRequestContext } from './record.js';
import { type CleanEvent, cleanEvent } from './sanitize.js';
import type { AuditRow, AuditStore } from './store.js';
import { MemoryAuditStore } from './stores/memory.js';
import { type VerifyResult, verifyChain } from './verify.js';

/** A page of records, newest first. */
export interface AuditPage {
  items: AuditRecord[];
  /** Pass as `cursor` for the next (older) page; `null` on the last one. */
  nextCursor: string | null;
}

/** What the trail holds and has done. */
export interface AuditTrailStats extends EventQueueStats {
  /** Records committed by this process. */
  written: number;
  /** Writes that failed and were retried. */
  failedWrites: number;
}

/** The audit trail: see {@link createAuditTrail}. */
export interface AuditTrail {
  /**
   * Queues one event: synchronous, O(1), never throws, never waits for a store. The request path
   * calls only this (or `onEvent`).
   */
  record(event: AuditEventInput | SecurityEvent, context?: AuditRequestContext): void;
  /** `record`, shaped as every package's `onEvent` hook. */
  readonly onEvent: (event: SecurityEvent) => void;
  /** Writes everything queued, folded counts included; resolves once committed. */
  flush(): Promise<void>;
  /** Flushes, writes a final checkpoint and stops the timer. Call after the server stopped. */
  close(): Promise<void>;
  /**
   * Streams every chain of the store and checks it: each record's hash, sequence, position and
   * filter columns, every checkpoint, and that nothing this process or a checkpoint vouches for
   * is missing from the end. Names the first bad sequence.
   */
  verify(options?: { checkpoints?: readonly Checkpoint[] }): Promise<VerifyResult>;
  /** Records matching `query`, newest first, with cursor pagination (stable under appends). */
  query(query?: AuditQuery): Promise<AuditPage>;
  /** The seed's `SecurityMetrics` over the last `windowMs` (default 24 h). */
  metrics(options?: { windowMs?: number }): Promise<SecurityMetrics>;
  /**
   * Erases a user: writes what is queued, then destroys their key, so every record about them
   * keeps verifying but no longer says who (crypto-shredding).
   */
  purgeUser(userId: string): Promise<void>;
  /**
   * Retention: deletes each chain's records up to its newest checkpoint older than `cutoff`
   * (epoch ms), keeping at least the newest record; the checkpoint anchors what stays.
   */
  purgeOlderThan(cutoff: number): Promise<number>;
  stats(): AuditTrailStats;
}

function mergeContext(entry: QueuedEvent): AuditEventInput {
  const { event, context } = entry;
  if (context === undefined) return event;
  return {
    ...event,
    requestId: event.requestId ?? context.requestId,
    userAgent: event.userAgent ?? context.userAgent,
    target: event.target ?? context.target,
  };
}

/** What the writer took from the queue at once. */
type TakenBatch = ReturnType<EventQueue['take']>;

/** One event of a batch, cleaned, with its sealed personal fields. */
interface CleanedEntry {
  event: CleanEvent;
  personal: SealedPersonal | undefined;
  folded?: FoldedEvents;
}

const WRITE_ATTEMPTS_ON_CONFLICT = 5;

/** Resolves after the I/O of this turn (a statement being sent) has gone out. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Creates the tamper-evident audit trail. Events are queued on the request path and written in
 * batches, one transaction a batch, as an HMAC chain (`hash = HMAC(key, prev || record)`), with
 * signed checkpoints; personal fields are sealed per user; a full queue folds high-volume events
 * into counts and keeps every critical one.
 *
 * @example
 * const trail = createAuditTrail({ hmacKey: process.env.AUDIT_HMAC_KEY!, keyRing, store });
 * const tokens = createJwtNonce({ …, onEvent: trail.onEvent });
 * process.on('SIGTERM', () => server.close(() => trail.close()));
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const config = parseAuditTrailOptions(options);
  const clock = config.clock ?? systemClock;
  const store: AuditStore = config.store ?? new MemoryAuditStore();
  const chain = config.chainId;
  const keys = new ChainKeys(config.hmacKey);
  config.hmacKey.fill(0);
  const sealer = new PersonalSealer(config.keyRing, keys, store, clock);
  const queue = new EventQueue({
    maxQueue: config.maxQueue,
    maxAggregates: config.maxAggregates,
    aggregateWindowMs: config.aggregateWindowMs,
  });
  let head: ChainHead | undefined;
  let sinceCheckpoint = 0;
  let lastCheckpointAt = clock.now();
  let written = 0;
  let failedWrites = 0;
  let retryDelay = 0;
  let writing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let reportedFailure = false;
  let kickScheduled = false;

  const report =
    config.onError ??
    ((error: unknown) => {
      if (reportedFailure) return;
      reportedFailure = true;
      const reason = error instanceof Error ? error.message : String(error);
      process.emitWarning(`The audit trail could not write (it keeps retrying): ${reason}`, {
        code: 'RAMPART_AUDIT_WRITE_FAILED',
      });
    });

  const timer = setInterval(kick, config.flushIntervalMs);
  timer.unref();

  function record(event: AuditEventInput | SecurityEvent, context?: AuditRequestContext): void {
    queue.push({ event, context, queuedAt: event.at ?? clock.now() });
    // A full batch is written at the next turn instead of waiting for the timer; one wake-up
    // per turn (a setImmediate per event cost 30 times the push itself).
    if (!kickScheduled && writing === undefined && queue.size >= config.batchSize) {
      kickScheduled = true;
      setImmediate(kick);
    }
  }

  function kick(): void {
    kickScheduled = false;
    if (writing !== undefined || retryTimer !== undefined || queue.size === 0) return;
    writing = drain(false).finally(() => {
      writing = undefined;
    });
  }

  function rowsFor(start: ChainHead, cleaned: readonly CleanedEntry[]): AuditRow[] {
    const rows: AuditRow[] = [];
    let prev = start.hash;
    let seq = start.seq;
    for (const { event, personal, folded } of cleaned) {
      seq++;
      const aggregate =
        folded === undefined
          ? undefined
          : { count: folded.count, from: folded.from, to: folded.to, anyActor: folded.anyActor };
      const body = writeBody(chain, seq, event, personal, aggregate);
      const hash = keys.link(prev, body);
      rows.push({
        chain,
        seq,
        at: event.at,
        type: event.type,
        severity: event.severity,
        outcome: event.outcome,
        subject: personal?.subject ?? null,
        count: aggregate?.count ?? 1,
        body,
        hash,
      });
      prev = hash;
    }
    return rows;
  }

  /**
   * A batch taken from the queue, cleaned and sealed, and its rows linked after `after` (the head
   * the batch before it leaves, if that one commits as built; else it is linked again).
   */
  interface PreparedBatch {
    readonly taken: TakenBatch;
    readonly cleaned: CleanedEntry[];
    after: ChainHead | undefined;
    rows: AuditRow[];
  }

  function linkAfter(batch: PreparedBatch, after: ChainHead): void {
    if (batch.after?.seq === after.seq && batch.after.hash === after.hash) return;
    batch.rows = rowsFor(after, batch.cleaned);
    batch.after = after;
  }

  function headAfter(batch: PreparedBatch): ChainHead {
    const last = batch.rows[batch.rows.length - 1] as AuditRow;
    return { seq: last.seq, hash: last.hash };
  }

  /**
   * Cleans and seals a batch, then links it after `after` when given: none of it needs the
   * commit before it, so it runs while that one is in flight.
   */
  async function prepareBatch(
    taken: TakenBatch,
    after: ChainHead | undefined,
  ): Promise<PreparedBatch> {
    const cleaned: CleanedEntry[] = [];
    for (const entry of taken.events) {
      cleaned.push({ event: cleanEvent(mergeContext(entry), entry.queuedAt), personal: undefined });
    }
    for (const folded of taken.aggregates) {
      const event = cleanEvent(mergeContext(folded.first), folded.from);
      event.at = folded.from;
      if (folded.anyActor) {
        delete event.userId;
        delete event.ip;
        delete event.userAgent;
        delete event.requestId;
      }
      cleaned.push({ event, personal: undefined, folded });
    }
    const users = new Set<string>();
    for (const item of cleaned) if (item.event.userId !== undefined) users.add(item.event.userId);
    const unopened = await sealer.prepare(users);
    if (unopened !== undefined) report(unopened);
    for (const item of cleaned) {
      const userId = item.event.userId;
      if (userId === undefined) continue;
      item.personal = sealer.seal(userId, personalFieldsOf(item.event));
      if (item.personal === undefined) {
        // No usable key: who it was is left out, never written in clear.
        delete item.event.userId;
        delete item.event.ip;
        delete item.event.userAgent;
        item.event.personalDetails = {};
        item.event.details.personalFields = 'unavailable';
      }
    }
    const batch: PreparedBatch = { taken, cleaned, after: undefined, rows: [] };
    if (after !== undefined) linkAfter(batch, after);
    return batch;
  }

  /** Commits a prepared batch (one transaction), linked again first if the head moved. */
  async function commitBatch(batch: PreparedBatch, final: boolean): Promise<void> {
    const now = clock.now();
    for (let attempt = 1; ; attempt++) {
      head ??= (await store.head(chain)) ?? { seq: 0, hash: GENESIS_HASH };
      linkAfter(batch, head);
      const rows = batch.rows;
      const last = rows[rows.length - 1] as AuditRow;
      const due =
        final ||
        sinceCheckpoint + rows.length >= config.checkpointEvery ||
        now - lastCheckpointAt >= config.checkpointIntervalMs;
      const checkpoint = due
        ? keys.sign({ chain, seq: last.seq, hash: last.hash, at: now })
        : undefined;
      try {
        await store.append(rows, checkpoint);
      } catch (error) {
        if (!(error instanceof AuditChainConflictError) || attempt === WRITE_ATTEMPTS_ON_CONFLICT) {
          throw error;
        }
        head = undefined; // another writer moved the chain: link after its records
        continue;
      }
      head = { seq: last.seq, hash: last.hash };
      written += rows.length;
      sinceCheckpoint = checkpoint === undefined ? sinceCheckpoint + rows.length : 0;
      if (checkpoint !== undefined) {
        lastCheckpointAt = now;
        config.onCheckpoint?.(checkpoint);
      }
      for (const mirror of config.mirrors) {
        Promise.resolve()
          .then(() => mirror.write(rows))
          .catch(report);
      }
      return;
    }
  }

  /** The next batch from the queue (folded counts only once their window is over, or all when `final`). */
  function take(final: boolean): TakenBatch | undefined {
    const taken = queue.take(config.batchSize, clock.now(), final);
    return taken.events.length === 0 && taken.aggregates.length === 0 ? undefined : taken;
  }

  /**
   * Writes batches until the queue is empty, in chain order, one commit at a time; the next
   * batch is cleaned, sealed and linked while the previous one's commit is in flight (linked
   * again if that commit did not leave the head it was linked after). A failure puts every batch
   * taken back at the head of the queue, in order, and retries with backoff.
   */
  async function drain(final: boolean): Promise<void> {
    let taken = take(final);
    let preparing = taken === undefined ? undefined : prepareBatch(taken, head);
    while (taken !== undefined && preparing !== undefined) {
      const current = taken;
      let next: TakenBatch | undefined;
      try {
        const batch = await preparing;
        head ??= (await store.head(chain)) ?? { seq: 0, hash: GENESIS_HASH };
        linkAfter(batch, head);
        const committing = commitBatch(batch, final && queue.size === 0);
        const upcoming = take(final);
        next = upcoming;
        const after = headAfter(batch);
        // Sealing the next batch blocks the thread for a while: it starts on the next turn, once
        // this batch's statement has gone out to the store, or the two would run one after the other.
        preparing =
          upcoming === undefined ? undefined : nextTurn().then(() => prepareBatch(upcoming, after));
        await committing;
        sealer.releaseLetGo();
        retryDelay = 0;
      } catch (error) {
        preparing?.catch(() => {}); // its events go back to the queue below
        if (next !== undefined) queue.putBack(next);
        queue.putBack(current);
        failedWrites++;
        report(error);
        head = undefined;
        if (final) throw error;
        retryDelay = Math.min(
          MAX_RETRY_DELAY_MS,
          retryDelay === 0 ? config.retryDelayMs : retryDelay * 2,
        );
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          kick();
        }, retryDelay);
        retryTimer.unref();
        return;
      }
      taken = next;
      if (taken === undefined) {
        taken = take(final); // arrived during the commit
        preparing = taken === undefined ? undefined : prepareBatch(taken, head);
      }
    }
  }

  async function flush(): Promise<void> {
    while (writing !== undefined) await writing;
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    const run = drain(true);
    writing = run.finally(() => {
      writing = undefined;
    });
    await run;
  }

  async function close(): Promise<void> {
    clearInterval(timer);
    await flush();
    if (head !== undefined && sinceCheckpoint > 0) {
      const checkpoint = keys.sign({ chain, seq: head.seq, hash: head.hash, at: clock.now() });
      await store.append([], checkpoint);
      sinceCheckpoint = 0;
      config.onCheckpoint?.(checkpoint);
    }
    sealer.releaseAll();
    for (const mirror of config.mirrors) await mirror.close?.();
  }

  async function verify(
    verifyOptions: { checkpoints?: readonly Checkpoint[] } = {},
  ): Promise<VerifyResult> {
    const chains = new Set(await store.chains());
    if (head !== undefined) chains.add(chain);
    let checked = 0;
    for (const name of [...chains].sort()) {
      const result = await verifyChain(store, keys, name, {
        pageSize: config.verifyPageSize,
        liveHead: name === chain ? head : undefined,
        extraCheckpoints: verifyOptions.checkpoints,
      });
      checked += result.checked;
      if (!result.valid) return { ...result, checked };
    }
    return { valid: true, checked };
  }

  async function query(request: AuditQuery = {}): Promise<AuditPage> {
    const { types, since, until, limit } = checkQuery(request);
    let subject: string | undefined;
    if (request.userId !== undefined) {
      subject = await sealer.subjectOf(request.userId);
      if (subject === undefined) return { items: [], nextCursor: null };
    }
    const rows = await store.query({
      types,
      subject,
      outcome: request.outcome,
      since,
      until,
      before: request.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const bodies = page.map((row) => parseBody(row.body));
    const open = await sealer.opener(
      bodies.flatMap((body) => (body === undefined || body.subject === null ? [] : [body.subject])),
    );
    const items: AuditRecord[] = [];
    page.forEach((row, index) => {
      const body = bodies[index];
      if (body === undefined) return; // unreadable text: verify() names it
      const personal =
        body.subject !== null && body.personal !== undefined
          ? open(body.subject, body.personal)
          : undefined;
      items.push(toAuditRecord(row.id, body, personal));
    });
    const nextCursor = rows.length > limit ? (page[page.length - 1]?.id ?? null) : null;
    return { items, nextCursor };
  }

  async function metrics(metricsOptions: { windowMs?: number } = {}): Promise<SecurityMetrics> {
    const now = clock.now();
    const windowMs = metricsOptions.windowMs ?? 86_400_000;
    return securityMetrics(await store.counts(now - windowMs, now + 1));
  }

  async function purgeUser(userId: string): Promise<void> {
    await flush();
    await sealer.forget(userId);
  }

  async function purgeOlderThan(cutoff: number): Promise<number> {
    let deleted = 0;
    for (const name of await store.chains()) {
      const checkpoints = await store.checkpoints(name);
      const chainHead = await store.head(name);
      let through: Checkpoint | undefined;
      for (const checkpoint of checkpoints) {
        if (checkpoint.at < cutoff && checkpoint.seq < (chainHead?.seq ?? 0)) through = checkpoint;
      }
      if (through !== undefined) deleted += await store.deleteThrough(name, through.seq);
    }
    return deleted;
  }

  return Object.freeze({
    record,
    onEvent: record as (event: SecurityEvent) => void,
    flush,
    close,
    verify,
    query,
    metrics,
    purgeUser,
    purgeOlderThan,
    stats: () => ({ ...queue.stats(), written, failedWrites }),
  });
}
