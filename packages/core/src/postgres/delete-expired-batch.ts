import { type RawBuilder, sql } from 'kysely';

/**
 * One batch of a store's purge: deletes up to `batchSize` rows of `table` whose `expires_at` is
 * at most `now`. Execute it with the store's own timeout; `numAffectedRows` of the result is how
 * many went. `table` is `sql.id(schema, name)`, or `sql.table(name)` on a `withSchema` Kysely.
 *
 * `ctid = any(array(…))` plans as a TID scan of the rows the sub-select locked; `skip locked`
 * lets concurrent purges (several processes) skip each other's rows instead of waiting; the
 * second `expires_at` test spares a row a store took over (renewed) since the batch was read.
 *
 * @example
 * const result = await deleteExpiredBatch(sql.id(schema, 'my_table'), now, 1000).execute(db);
 * const deleted = Number(result.numAffectedRows ?? 0);
 */
export function deleteExpiredBatch(
  table: RawBuilder<unknown>,
  now: number,
  batchSize: number,
): RawBuilder<unknown> {
  return sql`delete from ${table} where ctid = any(array(
    select ctid from ${table} where expires_at <= ${now} limit ${batchSize}
    for update skip locked)) and expires_at <= ${now}`;
}
