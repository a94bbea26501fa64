import { PostgresNonceStore } from '@rampart/core/postgres';
import { nonceKey } from '@rampart/core/store';
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { BENCH_SCOPE } from '../nonces.js';

/** Which claim input a statement parameter carries. */
export type ClaimParameter = 'key' | 'expiresAt' | 'now';

/** The statement `PostgresNonceStore.claim` sends, and how to fill its parameters. */
export interface ClaimStatement {
  sql: string;
  parameters: readonly ClaimParameter[];
}

// Distinct values, so each captured parameter maps back to exactly one input.
const NOW = 1_000_000_000_000;
const TTL_MS = 61_000;
const NONCE = 'bench-capture-nonce';

/**
 * Captures the SQL of one real `claim` through Kysely's query log, instead of copying the
 * store's query into the bench: the breakdown then follows the store as it changes.
 */
export async function captureClaimStatement(
  pool: pg.Pool,
  schema: string,
): Promise<ClaimStatement> {
  let captured: CompiledQuery | undefined;
  const db = new Kysely({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') captured ??= event.query;
    },
  });
  const store = new PostgresNonceStore({
    db,
    schema,
    clock: { now: () => NOW },
    purgeIntervalMs: 0,
  });
  await store.claim(BENCH_SCOPE, `${NONCE}-${process.pid}-${Date.now()}`, TTL_MS);
  if (captured === undefined) throw new Error('PostgresNonceStore.claim sent no query');
  const key = (captured.parameters as unknown[]).find((p) => typeof p === 'string');
  const parameters = captured.parameters.map((value): ClaimParameter => {
    if (value === NOW) return 'now';
    if (value === NOW + TTL_MS) return 'expiresAt';
    if (
      typeof value === 'string' &&
      value === key &&
      value.startsWith(nonceKey(BENCH_SCOPE, NONCE))
    )
      return 'key';
    throw new Error(`cannot tell which claim input the parameter ${JSON.stringify(value)} is`);
  });
  return { sql: captured.sql, parameters };
}

/** The parameter array of a claim, in the statement's order. */
export function claimValues(
  statement: ClaimStatement,
  key: string,
  now: number,
  ttlMs: number,
): unknown[] {
  return statement.parameters.map((p) => (p === 'key' ? key : p === 'now' ? now : now + ttlMs));
}

/** The store's claim statement answers one row, `claimed`, true only for the call that wrote. */
export function claimedBy(result: { rows: readonly unknown[] }): boolean {
  return (result.rows[0] as { claimed?: unknown } | undefined)?.claimed === true;
}
