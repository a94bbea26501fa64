import type { SecurityEventSeverity } from '@rampart/core';
import type { ChainHead, Checkpoint } from './chain.js';
import type { AuditOutcome } from './record.js';

/**
 * One record as written: the text the chain covers (`body`) and its hash, plus the columns a
 * query filters on, copied out of the body (`verify()` checks that they still agree with it).
 */
export interface AuditRow {
  readonly chain: string;
  readonly seq: number;
  /** Epoch ms of the event (the first one, for an aggregate). */
  readonly at: number;
  readonly type: string;
  readonly severity: SecurityEventSeverity;
  readonly outcome: AuditOutcome;
  /** The pseudonym of the user whose key seals the personal fields, or `null`. */
  readonly subject: string | null;
  /** How many events the record stands for: 1, or an aggregate's count. */
  readonly count: number;
  /** The record's canonical text (JSON, one line): exactly the bytes the hash covers. */
  readonly body: string;
  /** Hex `HMAC(key, prev || body)`. */
  readonly hash: string;
}

/** A row read back, with the store's global id (increasing in write order: the query cursor). */
export interface StoredAuditRow extends AuditRow {
  /** Decimal digits. */
  readonly id: string;
}

/**
 * A record as `verify()` reads it from a store that compares the filter columns itself
 * ({@link AuditStore.readLinks}): only what the chain needs, and the comparison's answer.
 */
export interface ChainLinkRow {
  readonly seq: number;
  /** The record's text, exactly as stored. */
  readonly body: string;
  readonly hash: string;
  /** Whether the row's filter columns say what the start of its text says (`columnsMatchBody`). */
  readonly columnsMatch: boolean;
}

/** A user's record key: who (as a keyed hash, never the id), their pseudonym, the key sealed. */
export interface UserKeyEntry {
  readonly userRef: string;
  readonly subject: string;
  /** The key, sealed by the trail's key ring (AAD `rampart-audit:user-key:<subject>`). */
  readonly sealedKey: string;
}

/** What a store filters on; `before` is an id (the cursor); newest first. */
export interface AuditStoreQuery {
  readonly types?: readonly string[] | undefined;
  readonly subject?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  /** Epoch ms, inclusive. */
  readonly since?: number | undefined;
  /** Epoch ms, exclusive. */
  readonly until?: number | undefined;
  readonly before?: string | undefined;
  readonly limit: number;
}

/** Events per type and outcome over a time range (aggregates count for their `count`). */
export interface AuditCount {
  readonly type: string;
  readonly outcome: AuditOutcome;
  /** Events whose personal fields are sealed. */
  readonly sealed: number;
  readonly count: number;
}

/**
 * Where the trail keeps its records, checkpoints and user keys. Every method may reject with
 * `StoreUnavailableError`; the trail keeps its batch and retries. Rows are never updated.
 */
export interface AuditStore {
  /** The last record of `chain`, or `undefined` for a chain never written. */
  head(chain: string): Promise<ChainHead | undefined>;
  /**
   * Appends consecutive records of one chain, and the checkpoint if given, all or nothing (one
   * transaction). Rejects with `AuditChainConflictError` when a sequence number is taken (another
   * writer on the same chain): nothing is written then.
   */
  append(rows: readonly AuditRow[], checkpoint?: Checkpoint): Promise<void>;
  /** Every chain that has records or checkpoints. */
  chains(): Promise<string[]>;
  /** Up to `limit` records of `chain` after `afterSeq`, in sequence order. */
  readChain(chain: string, afterSeq: number, limit: number): Promise<StoredAuditRow[]>;
  /**
   * Optional, for `verify()`: {@link AuditStore.readChain}'s rows reduced to what the chain needs,
   * each with its filter columns already compared with its text, as `columnsMatchBody` in body.ts
   * does. A database that compares in the query spares the process decoding seven columns a row;
   * without this method `verify()` reads `readChain` and compares them itself.
   */
  readLinks?(chain: string, afterSeq: number, limit: number): Promise<ChainLinkRow[]>;
  /** The checkpoints of `chain`, in sequence order. */
  checkpoints(chain: string): Promise<Checkpoint[]>;
  /**
   * Where a chain now starts when its oldest records were dropped without a checkpoint (a full
   * memory store does this): the last dropped record's sequence and hash, kept in the process.
   */
  evictedThrough?(chain: string): ChainHead | undefined;
  /** Records matching the query, newest (highest id) first. */
  query(query: AuditStoreQuery): Promise<StoredAuditRow[]>;
  /** Counts per type and outcome of the records with `since <= at < until`. */
  counts(since: number, until: number): Promise<AuditCount[]>;
  /** Stores the entries whose `userRef` has none yet; returns every ref's entry (the stored one wins). */
  ensureUserKeys(entries: readonly UserKeyEntry[]): Promise<UserKeyEntry[]>;
  /**
   * Optional, for a store that drops the keys no record needs (the memory store, bounded by its
   * records): the writer no longer seals with these subjects' keys, one release per entry
   * `ensureUserKeys` answered. Until then such a store keeps the key, even with none of its
   * records held, so a record the writer seals next can still be opened. In the process only.
   */
  releaseUserKeys?(subjects: readonly string[]): void;
  /** The entry of one user, if they have one. */
  findUserKey(userRef: string): Promise<UserKeyEntry | undefined>;
  /** The sealed keys of the subjects that still have one. */
  subjectKeys(subjects: readonly string[]): Promise<Map<string, string>>;
  /** Destroys a user's key: their sealed fields can never be opened again (crypto-shredding). */
  deleteUserKey(userRef: string): Promise<void>;
  /** Deletes the records of `chain` up to `throughSeq` (retention); resolves how many. */
  deleteThrough(chain: string, throughSeq: number): Promise<number>;
}
