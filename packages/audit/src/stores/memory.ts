import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import type { ChainHead, Checkpoint } from '../chain.js';
import { AuditChainConflictError } from '../errors.js';
import type {
  AuditCount,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  StoredAuditRow,
  UserKeyEntry,
} from '../store.js';

/** Options of {@link MemoryAuditStore}. */
export interface MemoryAuditStoreOptions {
  /**
   * Most records held. Past it the oldest are dropped (the chain then starts after them, which
   * `verify()` accepts: this process saw them go). Default 100 000.
   */
  maxRecords?: number | undefined;
}

const optionsSchema = z.strictObject({
  maxRecords: z.number().int().min(1).max(10_000_000).default(100_000),
});

/**
 * A user's key and what still needs it: the records held that are sealed with it, and the
 * writers that may still seal with it (each `ensureUserKeys` answer, until released).
 */
interface HeldUserKey {
  readonly entry: UserKeyEntry;
  records: number;
  writers: number;
}

interface MemoryChain {
  /** Records in sequence order; `first` is the index of the oldest still held. */
  rows: StoredAuditRow[];
  first: number;
  checkpoints: Checkpoint[];
  evicted: ChainHead | undefined;
}

/**
 * The trail's store in this process's memory: for development, tests, and an app that keeps its
 * trail elsewhere (a JSON-lines mirror). Bounded by `maxRecords`: the oldest records go first,
 * and a user's key goes with the last held record sealed with it, once the writer has let go of
 * it too (`releaseUserKeys`).
 */
export class MemoryAuditStore implements AuditStore {
  readonly #maxRecords: number;
  readonly #chains = new Map<string, MemoryChain>();
  /** Every record held, in write order (ids increase). */
  #all: StoredAuditRow[] = [];
  #allFirst = 0;
  #nextId = 1;
  /**
   * Users' keys by `userRef` and by subject. A key goes once no held record and no writer needs
   * it, so the map is bounded by the records held (plus the users the writers cache), not by
   * every user the process ever saw.
   */
  readonly #userKeys = new Map<string, HeldUserKey>();
  readonly #bySubject = new Map<string, HeldUserKey>();

  constructor(options: MemoryAuditStoreOptions = {}) {
    this.#maxRecords = parseOptions('MemoryAuditStore', optionsSchema, options).maxRecords;
  }

  #chain(name: string): MemoryChain {
    let chain = this.#chains.get(name);
    if (chain === undefined) {
      chain = { rows: [], first: 0, checkpoints: [], evicted: undefined };
      this.#chains.set(name, chain);
    }
    return chain;
  }

  async head(name: string): Promise<ChainHead | undefined> {
    return this.#head(name);
  }

  /** Synchronous, so that checking the head and appending cannot interleave with another append. */
  #head(name: string): ChainHead | undefined {
    const chain = this.#chains.get(name);
    const last = chain?.rows[chain.rows.length - 1];
    if (chain === undefined || chain.rows.length === chain.first) return chain?.evicted;
    return last === undefined ? undefined : { seq: last.seq, hash: last.hash };
  }

  async append(rows: readonly AuditRow[], checkpoint?: Checkpoint): Promise<void> {
    const name = rows[0]?.chain ?? checkpoint?.chain;
    if (name === undefined) return;
    const chain = this.#chain(name);
    const head = this.#head(name);
    if (rows.length > 0 && (rows[0] as AuditRow).seq !== (head?.seq ?? 0) + 1) {
      throw new AuditChainConflictError(name);
    }
    for (const row of rows) {
      // Every field named, not `{ ...row, id }`: that copy gave nearly every record a V8 map
      // (hidden class) of its own, about 400 bytes more a record, tens of MiB at the bound.
      const stored: StoredAuditRow = Object.freeze({
        chain: row.chain,
        seq: row.seq,
        at: row.at,
        type: row.type,
        severity: row.severity,
        outcome: row.outcome,
        subject: row.subject,
        count: row.count,
        body: row.body,
        hash: row.hash,
        id: String(this.#nextId++),
      });
      chain.rows.push(stored);
      this.#all.push(stored);
      // A subject without a key (erased) stays without one: the record is unreadable by design.
      if (row.subject !== null) {
        const held = this.#bySubject.get(row.subject);
        if (held !== undefined) held.records++;
      }
    }
    if (checkpoint !== undefined) chain.checkpoints.push(Object.freeze({ ...checkpoint }));
    this.#evict();
  }

  #evict(): void {
    while (this.#all.length - this.#allFirst > this.#maxRecords) {
      const oldest = this.#all[this.#allFirst++] as StoredAuditRow;
      this.#letGoOfRecord(oldest);
      const chain = this.#chain(oldest.chain);
      chain.first++;
      chain.evicted = { seq: oldest.seq, hash: oldest.hash };
      if (chain.first > 1024 && chain.first * 2 > chain.rows.length) {
        chain.rows = chain.rows.slice(chain.first);
        chain.first = 0;
      }
    }
    if (this.#allFirst > 1024 && this.#allFirst * 2 > this.#all.length) {
      this.#all = this.#all.slice(this.#allFirst);
      this.#allFirst = 0;
    }
  }

  async chains(): Promise<string[]> {
    return [...this.#chains.keys()];
  }

  async readChain(name: string, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
    const chain = this.#chains.get(name);
    if (chain === undefined) return [];
    // Sequence numbers are consecutive from the oldest held, unless a test tampered with them.
    let index = chain.first;
    const oldest = chain.rows[chain.first];
    if (oldest !== undefined && afterSeq >= oldest.seq) {
      index = chain.first + (afterSeq - oldest.seq) + 1;
      while (index > chain.first && (chain.rows[index - 1]?.seq ?? 0) > afterSeq) index--;
      while (index < chain.rows.length && (chain.rows[index]?.seq ?? 0) <= afterSeq) index++;
    }
    return chain.rows.slice(index, index + limit);
  }

  async checkpoints(name: string): Promise<Checkpoint[]> {
    return [...(this.#chains.get(name)?.checkpoints ?? [])];
  }

  evictedThrough(name: string): ChainHead | undefined {
    return this.#chains.get(name)?.evicted;
  }

  async query(query: AuditStoreQuery): Promise<StoredAuditRow[]> {
    const found: StoredAuditRow[] = [];
    const types = query.types === undefined ? undefined : new Set(query.types);
    const before = query.before === undefined ? Number.POSITIVE_INFINITY : Number(query.before);
    for (let index = this.#all.length - 1; index >= this.#allFirst; index--) {
      const row = this.#all[index] as StoredAuditRow;
      if (Number(row.id) >= before) continue;
      if (types !== undefined && !types.has(row.type)) continue;
      if (query.subject !== undefined && row.subject !== query.subject) continue;
      if (query.outcome !== undefined && row.outcome !== query.outcome) continue;
      if (query.since !== undefined && row.at < query.since) continue;
      if (query.until !== undefined && row.at >= query.until) continue;
      found.push(row);
      if (found.length === query.limit) break;
    }
    return found;
  }

  async counts(since: number, until: number): Promise<AuditCount[]> {
    const counts = new Map<
      string,
      { type: string; outcome: AuditRow['outcome']; sealed: number; count: number }
    >();
    for (let index = this.#allFirst; index < this.#all.length; index++) {
      const row = this.#all[index] as StoredAuditRow;
      if (row.at < since || row.at >= until) continue;
      const key = `${row.type}:${row.outcome}`;
      let count = counts.get(key);
      if (count === undefined) {
        count = { type: row.type, outcome: row.outcome, sealed: 0, count: 0 };
        counts.set(key, count);
      }
      count.count += row.count;
      if (row.subject !== null) count.sealed += row.count;
    }
    return [...counts.values()];
  }

  /** Each entry answered is held for the writer until it releases the subject. */
  async ensureUserKeys(entries: readonly UserKeyEntry[]): Promise<UserKeyEntry[]> {
    return entries.map((entry) => {
      let held = this.#userKeys.get(entry.userRef);
      if (held === undefined) {
        held = { entry: Object.freeze({ ...entry }), records: 0, writers: 0 };
        this.#userKeys.set(entry.userRef, held);
        this.#bySubject.set(entry.subject, held);
      }
      held.writers++;
      return held.entry;
    });
  }

  releaseUserKeys(subjects: readonly string[]): void {
    for (const subject of subjects) {
      const held = this.#bySubject.get(subject);
      if (held === undefined) continue; // erased, or already gone
      if (held.writers > 0) held.writers--;
      this.#dropIfUnneeded(held);
    }
  }

  async findUserKey(userRef: string): Promise<UserKeyEntry | undefined> {
    return this.#userKeys.get(userRef)?.entry;
  }

  async subjectKeys(subjects: readonly string[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    for (const subject of subjects) {
      const held = this.#bySubject.get(subject);
      if (held !== undefined) keys.set(subject, held.entry.sealedKey);
    }
    return keys;
  }

  async deleteUserKey(userRef: string): Promise<void> {
    const held = this.#userKeys.get(userRef);
    if (held === undefined) return;
    this.#userKeys.delete(userRef);
    this.#bySubject.delete(held.entry.subject);
  }

  /** Users' keys held now: those of held records and those a writer still uses. */
  get userKeyCount(): number {
    return this.#userKeys.size;
  }

  /** A record leaves the store: its user's key goes with it if nothing else needs it. */
  #letGoOfRecord(row: StoredAuditRow): void {
    if (row.subject === null) return;
    const held = this.#bySubject.get(row.subject);
    if (held === undefined) return;
    held.records--;
    this.#dropIfUnneeded(held);
  }

  #dropIfUnneeded(held: HeldUserKey): void {
    if (held.records > 0 || held.writers > 0) return;
    this.#userKeys.delete(held.entry.userRef);
    this.#bySubject.delete(held.entry.subject);
  }

  async deleteThrough(name: string, throughSeq: number): Promise<number> {
    const chain = this.#chains.get(name);
    if (chain === undefined) return 0;
    const gone = new Set<StoredAuditRow>();
    while (
      chain.first < chain.rows.length &&
      (chain.rows[chain.first] as StoredAuditRow).seq <= throughSeq
    ) {
      const row = chain.rows[chain.first++] as StoredAuditRow;
      gone.add(row);
      this.#letGoOfRecord(row);
    }
    if (gone.size > 0) {
      this.#all = this.#all.slice(this.#allFirst).filter((row) => !gone.has(row));
      this.#allFirst = 0;
    }
    return gone.size;
  }

  /** For tests of tamper evidence: the live rows of a chain, to change, delete, insert or swap. */
  rowsForTesting(name: string): StoredAuditRow[] {
    const chain = this.#chain(name);
    if (chain.first > 0) {
      chain.rows = chain.rows.slice(chain.first);
      chain.first = 0;
    }
    return chain.rows;
  }

  /** For tests of tamper evidence: the checkpoints of a chain, to delete. */
  checkpointsForTesting(name: string): Checkpoint[] {
    return this.#chain(name).checkpoints;
  }
}
