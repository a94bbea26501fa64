import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { postgresStoreDeadline, postgresStoreOptionsShape } from './store-options.js';

const schema = z.strictObject(postgresStoreOptionsShape({ queryTimeoutMs: 1500 }));
const db = { withSchema: () => db, executeQuery: async () => ({ rows: [] }) };

afterEach(() => vi.restoreAllMocks());

describe('postgresStoreOptionsShape', () => {
  it("gives the store's timeout, the public schema and a minute's purge by default", () => {
    expect(parseOptions('PostgresThingStore', schema, { db })).toEqual({
      db,
      schema: 'public',
      queryTimeoutMs: 1500,
      purgeIntervalMs: 60_000,
    });
  });

  it('refuses what is not a Kysely instance or a plain schema name, naming the option', () => {
    expect(() => parseOptions('PostgresThingStore', schema, { db: {} })).toThrow(
      /PostgresThingStore\.db: must be a Kysely instance/,
    );
    expect(() => parseOptions('PostgresThingStore', schema, { db, schema: 'Public' })).toThrow(
      /PostgresThingStore\.schema/,
    );
  });
});

describe('postgresStoreDeadline', () => {
  it('bounds statements by queryTimeoutMs and warns once when the schema was not migrated', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const options = postgresStoreDeadline({
      store: 'postgres-thing-store',
      owner: 'PostgresThingStore',
      schema: 'kit_test',
      queryTimeoutMs: 1500,
    });
    expect(options).toMatchObject({ store: 'postgres-thing-store', timeoutMs: 1500 });
    options.onFailure?.(Object.assign(new Error('relation does not exist'), { code: '42P01' }));
    options.onFailure?.(Object.assign(new Error('relation does not exist'), { code: '42P01' }));
    options.onFailure?.(new Error('connection refused'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('PostgresThingStore');
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: 'RAMPART_POSTGRES_NOT_MIGRATED' });
  });
});
