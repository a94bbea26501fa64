import type { Kysely } from 'kysely';
import { z } from 'zod';

/**
 * A schema or table name Rampart accepts: lower-case letters, digits and `_`, at most 63 bytes
 * (Postgres' limit; longer names are silently truncated). Kysely quotes identifiers, so this is
 * not what keeps SQL injection out; it keeps names unsurprising (no case-sensitive quoted
 * names) and errors early.
 */
export const postgresIdentifierSchema = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    'must be 1 to 63 lower-case letters, digits or _, not starting with a digit',
  );

/**
 * The `db` option of every Postgres store: the application's Kysely instance, recognised by the
 * two methods the stores call (`withSchema`, `executeQuery`) so a second copy of kysely fits.
 */
// biome-ignore lint/suspicious/noExplicitAny: the user's database type does not include our tables
export const kyselySchema = z.custom<Kysely<any>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { withSchema?: unknown }).withSchema === 'function' &&
    typeof (value as { executeQuery?: unknown }).executeQuery === 'function',
  'must be a Kysely instance',
);
