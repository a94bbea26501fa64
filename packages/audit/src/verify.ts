import { constantTimeEqual } from '@rampart/crypto';
import { bodyStart, columnsMatchBody, parseBody } from './body.js';
import { type ChainHead, type ChainKeys, type Checkpoint, GENESIS_HASH } from './chain.js';
import { ReadAhead } from './read-ahead.js';
import type { AuditStore, ChainLinkRow, StoredAuditRow } from './store.js';

/** Why a chain failed to verify. */
export type VerifyFailure =
  /** The record's hash is not `HMAC(key, prev || body)`: it was changed, or one before it. */
  | 'hash-mismatch'
  /** A sequence number is missing: a record was deleted. */
  | 'missing-record'
  /** The record's text names another position: records were moved or swapped. */
  | 'out-of-order'
  /** A filter column (type, time, outcome …) no longer says what the record's text says. */
  | 'column-mismatch'
  /** A checkpoint's signature is wrong, or it names a hash the chain does not have there. */
  | 'bad-checkpoint'
  /** Records a checkpoint or the writer vouches for are gone from the end. */
  | 'truncated';

/** What `verify()` found. */
export interface VerifyResult {
  valid: boolean;
  /** Records checked (up to the first bad one). */
  checked: number;
  /** The first bad sequence number, when not valid. */
  firstBadSeq?: number;
  /** The chain it is in. */
  chain?: string;
  reason?: VerifyFailure;
}

/** What the trail knows beside the store when it verifies a chain. */
export interface VerifyChainOptions {
  /** Records read per round trip. */
  pageSize: number;
  /** The head this process wrote last: the store must reach it. */
  liveHead?: ChainHead | undefined;
  /** Checkpoints kept outside the store (`onCheckpoint`), checked like the store's own. */
  extraCheckpoints?: readonly Checkpoint[] | undefined;
}

/** A row as read for verifying: with its columns, or with the store's comparison of them. */
type VerifiedRow = StoredAuditRow | ChainLinkRow;

/**
 * Whether a row's columns agree with its text. The columns are the text's first fields, so
 * comparing them with its start is enough (the store may have done it: `readLinks`); the text is
 * parsed only to say what is wrong.
 */
function columnsAgree(
  row: VerifiedRow,
  chain: string,
  start: string,
): 'ok' | 'out-of-order' | 'column-mismatch' {
  const match = 'columnsMatch' in row ? row.columnsMatch : columnsMatchBody(row.body, start, row);
  if (match) return 'ok';
  const body = parseBody(row.body);
  if (body === undefined || body.seq !== row.seq || body.chain !== chain) return 'out-of-order';
  return 'column-mismatch';
}

/**
 * Verifies one chain by streaming it from the store a page at a time (the next two pages are
 * read while this one is checked: read-ahead.ts), stopping at the first bad record.
 */
export async function verifyChain(
  store: AuditStore,
  keys: ChainKeys,
  chain: string,
  options: VerifyChainOptions,
): Promise<VerifyResult> {
  const checkpoints = new Map<number, Checkpoint>();
  let lastVouched = options.liveHead?.seq ?? 0;
  for (const checkpoint of [
    ...(await store.checkpoints(chain)),
    ...(options.extraCheckpoints ?? []),
  ]) {
    if (checkpoint.chain !== chain) continue;
    if (!keys.checkSignature(checkpoint)) {
      return {
        valid: false,
        checked: 0,
        firstBadSeq: checkpoint.seq,
        chain,
        reason: 'bad-checkpoint',
      };
    }
    checkpoints.set(checkpoint.seq, checkpoint);
    lastVouched = Math.max(lastVouched, checkpoint.seq);
  }
  const bad = (seq: number, reason: VerifyFailure, checked: number): VerifyResult => ({
    valid: false,
    checked,
    firstBadSeq: seq,
    chain,
    reason,
  });

  const start = bodyStart(chain);
  let checked = 0;
  let expected = 0;
  let prev = GENESIS_HASH;
  const readLinks = store.readLinks?.bind(store);
  const read = (afterSeq: number): Promise<readonly VerifiedRow[]> =>
    readLinks === undefined
      ? store.readChain(chain, afterSeq, options.pageSize)
      : readLinks(chain, afterSeq, options.pageSize);
  const pages = new ReadAhead(read, options.pageSize);
  try {
    for (;;) {
      const page = await pages.next();
      if (page.length === 0) break;
      for (const row of page) {
        if (expected === 0) {
          // Where the stored chain starts: at 1, or after a checkpoint retention cut at.
          const anchor = checkpoints.get(row.seq - 1) ?? store.evictedThrough?.(chain);
          if (row.seq === 1) prev = GENESIS_HASH;
          else if (anchor !== undefined && anchor.seq === row.seq - 1) prev = anchor.hash;
          else {
            let below = 0;
            for (const seq of checkpoints.keys()) if (seq < row.seq && seq > below) below = seq;
            return bad(below + 1, 'missing-record', checked);
          }
          expected = row.seq;
        }
        if (row.seq !== expected) return bad(expected, 'missing-record', checked);
        const columns = columnsAgree(row, chain, start);
        if (columns !== 'ok') return bad(row.seq, columns, checked);
        const hash = keys.link(prev, row.body);
        if (!constantTimeEqual(hash, row.hash)) return bad(row.seq, 'hash-mismatch', checked);
        const checkpoint = checkpoints.get(row.seq);
        if (checkpoint !== undefined && !constantTimeEqual(checkpoint.hash, hash)) {
          return bad(row.seq, 'bad-checkpoint', checked);
        }
        prev = hash;
        expected++;
        checked++;
      }
    }
  } finally {
    pages.abandon();
  }
  const last = expected === 0 ? (store.evictedThrough?.(chain)?.seq ?? 0) : expected - 1;
  if (lastVouched > last) return bad(last + 1, 'truncated', checked);
  return { valid: true, checked };
}
