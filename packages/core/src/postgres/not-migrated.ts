/**
 * SQLSTATEs of a missing table (`undefined_table`), function (`undefined_function`) and column
 * (`undefined_column`: a later migration adds one, e.g. jwt-nonce's `0002_bind_tokens_to_family`).
 */
const NOT_MIGRATED = new Set(['42P01', '42883', '42703']);

/** Stores already warned about, so a flood of failing requests logs one line. */
const warned = new Set<string>();

/**
 * Emits one process warning (`RAMPART_POSTGRES_NOT_MIGRATED`) when a Postgres store fails
 * because its table, column or function is missing: the client only sees a 503, and an operator
 * who upgraded without running `migrate()` again should learn why without an `onEvent` hook.
 */
export function warnIfNotMigrated(error: unknown, store: string, schema: string): void {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string' || !NOT_MIGRATED.has(code)) return;
  const key = `${store}:${schema}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(
    `${store}: schema "${schema}" lacks a table, column or function the store needs; run migrate(db, [...], { schema: '${schema}' }) with its migrations (after every upgrade too).`,
    { code: 'RAMPART_POSTGRES_NOT_MIGRATED' },
  );
}
